/**
 * The real server program (`node dist/server/main.js`) as a child process,
 * as an operator runs it: for tests that signal it, restart it on the same
 * port and run directory, and look at the processes it leaves behind.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const MAIN = fileURLToPath(new URL('../../dist/server/main.js', import.meta.url));
/** What main.ts logs for a promise rejection nobody handled, before it carries on. */
const UNHANDLED_REJECTION = 'unhandled rejection';

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ServerProcess {
  /** Resolves once the server has exited and its whole log has been read. */
  readonly exited: Promise<ServerExit>;
  /** The server's JSON log lines, parsed. */
  readonly logLines: Array<Record<string, unknown>> = [];
  /** What it printed outside the log (the start banner, or why it could not start). */
  private stderr = '';

  private constructor(private readonly child: ChildProcess) {
    // 'close', not 'exit': it comes after the output pipes have been drained, so no log line is missed.
    this.exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          this.logLines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // Not a log line.
        }
      });
    }
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  /** Starts the server with these settings (on top of this process's environment) and waits until it listens. */
  static async start(env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(child);
    const deadline = Date.now() + timeoutMs;
    while (!server.logLines.some((line) => line['msg'] === 'Convene is listening')) {
      if (child.exitCode !== null || Date.now() > deadline) {
        server.kill();
        throw new Error(`the server did not start (exit ${child.exitCode}): ${server.stderr}\nits log: ${JSON.stringify(server.logLines.slice(-10))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return server;
  }

  /**
   * Fails the calling test if the server has logged an unhandled rejection: the server lives on, so
   * nothing else would show the bug. Checks all of the log once `exited` has resolved, else what has come so far.
   */
  assertNoUnhandledRejection(): void {
    const rejections = this.logLines.filter((line) => line['msg'] === UNHANDLED_REJECTION);
    assert.equal(rejections.length, 0, `the server logged unhandled rejections:\n${rejections.map((line) => JSON.stringify(line)).join('\n')}`);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Last resort after a failed test: the server and its Janus, without ceremony. */
  kill(): void {
    void childPids(this.pid).then((pids) => pids.forEach((pid) => killQuietly(pid)));
    killQuietly(this.pid);
  }
}

/** Processes whose parent is `pid`. */
export async function childPids(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the command, which is in parentheses and may hold spaces: state, ppid, …
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) children.push(Number(entry));
  }
  return children;
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
