/**
 * One Convene app server of a cluster test: the real server program as its
 * own process, on a free (or given) port with a run directory of its own,
 * so a test can kill it as a crash would and start it again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning, ServerProcess } from '../serverProcess.js';
import { findFreePort } from '../../../src/support/ports.js';

export interface TestAppServer {
  url: string;
  port: number;
  /** host:port, for a proxy's upstream list. */
  address: string;
  /** The server's JSON log lines so far. */
  logLines(): ReadonlyArray<Record<string, unknown>>;
  /** Whether the process still runs. */
  isRunning(): boolean;
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** Fails the calling test if this server has logged an unhandled rejection. */
  assertNoUnhandledRejection(): void;
}

export async function startAppServer(name: string, env: Record<string, string>, port?: number): Promise<TestAppServer> {
  port ??= await findFreePort();
  const runDir = await mkdtemp(join(tmpdir(), `convene-${name}-`));
  const server = await ServerProcess.start({ HOST: '127.0.0.1', PORT: String(port), RUN_DIR: runDir, LOG_LEVEL: 'info', ...env });
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    server.signal(signal);
    await server.exited;
    await rm(runDir, { recursive: true, force: true });
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    address: `127.0.0.1:${port}`,
    logLines: () => server.logLines,
    isRunning: () => isRunning(server.pid),
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    assertNoUnhandledRejection: () => server.assertNoUnhandledRejection(),
  };
}
