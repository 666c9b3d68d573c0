/**
 * A child program a test runs (kamailio, baresip, redis, nginx, an app
 * server): keeps the tail of
 * its output for error messages, lets the owner watch output lines, and
 * stops the whole process group, since kamailio forks workers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LabProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const keptLines = 200;
const stopGraceMs = 3000;

// If the test process dies without calling stop(), its children must not
// outlive it and keep ports bound: kill their groups on the way out.
const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

export class LabProcess {
  readonly exited: Promise<LabProcessExit>;
  private readonly lines: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();
  private exit: LabProcessExit | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${name}: spawn gave no pid`);
    running.add(pid);
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(pid);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  static start(name: string, command: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<LabProcess> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { cwd, env: env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child.once('error', (error) => reject(new Error(`${name}: could not start ${command}: ${error.message}`)));
      child.once('spawn', () => resolve(new LabProcess(name, child)));
    });
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** The last lines the program printed, for failure messages. */
  output(): string {
    return this.lines.join('\n');
  }

  onOutputLine(listener: (line: string) => void): void {
    this.lineListeners.add(listener);
  }

  /**
   * Resolves with the first output line (already printed or future) that
   * matches; rejects if the program exits or stays silent for `timeoutMs`.
   */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    const printed = this.lines.find((line) => pattern.test(line));
    if (printed !== undefined) return Promise.resolve(printed);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.lineListeners.delete(onLine);
      };
      const onLine = (line: string): void => {
        if (!pattern.test(line)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.lineListeners.add(onLine);
      void this.exited.then(() => {
        done();
        reject(new Error(`exited before printing ${pattern}`));
      });
    });
  }

  /** Error that explains a failed start-up with what the program said. */
  failure(what: string): Error {
    const exit = this.exit ? ` (exited with code ${this.exit.code}, signal ${this.exit.signal})` : '';
    return new Error(`${this.name}: ${what}${exit}\n--- ${this.name} output ---\n${this.output()}`);
  }

  /** SIGTERM to the group, SIGKILL if it lingers; safe to call twice. */
  async stop(): Promise<void> {
    if (this.exit) return;
    const pid = this.child.pid as number;
    this.signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => this.signalGroup(pid, 'SIGKILL'), stopGraceMs);
    await this.exited;
    clearTimeout(timer);
    // Workers may outlive the main process for a moment; make sure.
    this.signalGroup(pid, 'SIGKILL');
  }

  /** Kills the program at once, as a crash would. */
  async kill(): Promise<void> {
    this.signalGroup(this.child.pid as number, 'SIGKILL');
    await this.exited;
  }

  private signalGroup(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  private onLine(line: string): void {
    this.lines.push(line);
    if (this.lines.length > keptLines) this.lines.shift();
    for (const listener of this.lineListeners) listener(line);
  }
}
