/**
 * Whether a failure means the shared directory (Redis) cannot be reached
 * right now: the caller is told to try again (503), not that something
 * broke. Commands are not queued while Redis is away (see
 * RedisRoomDirectory), so they fail at once with one of these.
 */
import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ErrorReply,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
} from '@redis/client';

const OUTAGES = [ClientClosedError, ClientOfflineError, ConnectionTimeoutError, DisconnectsClientError, SocketClosedUnexpectedlyError, SocketTimeoutError, TimeoutError];
/** While the client reconnects, a command fails with the socket's own error. */
const NETWORK_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function isDirectoryOutage(error: unknown): boolean {
  if (OUTAGES.some((kind) => error instanceof kind)) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_FAILURES.has(code)) return true;
  // Redis answers LOADING while it reads its data back after a restart.
  return error instanceof ErrorReply && error.message.startsWith('LOADING');
}
