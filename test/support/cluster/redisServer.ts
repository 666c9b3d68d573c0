/** A throwaway redis-server on loopback: no persistence, a free port, a temporary folder. */
import { LabProcess } from '../labProcess.js';
import { findFreePort } from '../../../src/support/ports.js';

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(dir: string): Promise<TestRedis> {
  const port = await findFreePort();
  const redis = await LabProcess.start('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], dir);
  await redis.waitForLine(/Ready to accept connections/, 10_000).catch(() => {
    throw redis.failure('did not start (is the redis-server package installed?)');
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => redis.stop() };
}
