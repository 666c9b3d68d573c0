/**
 * One Convene app server as its own process (`node dist/server/main.js`),
 * so a test can kill it as a crash would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabProcess } from '../labProcess.js';
import { findFreePort } from '../../../src/support/ports.js';

export interface TestAppServer {
  url: string;
  port: number;
  /** host:port, for a proxy's upstream list. */
  address: string;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAppServer(name: string, env: Record<string, string>, port?: number): Promise<TestAppServer> {
  port ??= await findFreePort();
  const runDir = await mkdtemp(join(tmpdir(), `convene-${name}-`));
  const server = await LabProcess.start(name, process.execPath, ['dist/server/main.js'], process.cwd(), {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    RUN_DIR: runDir,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (!(await fetch(`${url}/readyz`).catch(() => undefined))?.ok) {
    if (server.hasExited || Date.now() > deadline) throw server.failure('did not become ready (run npm run build first)');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const cleanUp = (): Promise<void> => rm(runDir, { recursive: true, force: true });
  return {
    url,
    port,
    address: `127.0.0.1:${port}`,
    async kill() {
      await server.kill();
      await cleanUp();
    },
    async stop() {
      await server.stop();
      await cleanUp();
    },
  };
}
