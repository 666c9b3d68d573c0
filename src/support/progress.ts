/**
 * Says what the server is waiting for at start, and for how long, instead
 * of going quiet: once when the wait begins, then every few seconds until
 * it ends or gives up.
 */
import type { Logger } from 'pino';

const PROGRESS_EVERY_MS = 5_000;

export async function waitLoudly<T>(logger: Logger, what: string, limitMs: number, waiting: Promise<T>): Promise<T> {
  const startedAt = Date.now();
  logger.info({ limitS: limitMs / 1000 }, `waiting for ${what} (up to ${Math.round(limitMs / 1000)} s)`);
  const progress = setInterval(() => {
    const waitedS = Math.round((Date.now() - startedAt) / 1000);
    logger.info({ waitedS, limitS: limitMs / 1000 }, `still waiting for ${what}: ${waitedS} s of ${Math.round(limitMs / 1000)} s`);
  }, PROGRESS_EVERY_MS);
  try {
    return await waiting;
  } finally {
    clearInterval(progress);
  }
}
