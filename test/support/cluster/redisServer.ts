/** A throwaway redis-server on loopback: no persistence, a free port, a temporary folder. */
import { LabProcess } from '../labProcess.js';
import { findFreePort } from '../../../src/support/ports.js';

export interface TestRedis {
  url: string;
  /** Stops it and starts an empty one on the same port, as a restart without persistence would. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Starts an empty one again on the same port, after `stop`. */
  start(): Promise<void>;
}

export async function startRedis(dir: string): Promise<TestRedis> {
  const port = await findFreePort();
  let redis = await launch(dir, port);
  const start = async (): Promise<void> => {
    redis = await launch(dir, port);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      await redis.stop();
      await start();
    },
    stop: () => redis.stop(),
    start,
  };
}

async function launch(dir: string, port: number): Promise<LabProcess> {
  const redis = await LabProcess.start('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], dir);
  await redis.waitForLine(/Ready to accept connections/, 10_000).catch(() => {
    throw redis.failure('did not start (is the redis-server package installed?)');
  });
  return redis;
}
