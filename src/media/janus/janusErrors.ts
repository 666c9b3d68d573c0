/**
 * Janus error codes we react to, by name, and the one error type the Janus
 * client throws for a refused request. Core codes come from janus.h, plugin
 * codes from each plugin's header comment.
 */
export const JanusCode = {
  sessionNotFound: 458,
  handleNotFound: 459,
  videoRoomNoSuchRoom: 426,
  videoRoomRoomExists: 427,
  videoRoomNoSuchFeed: 428,
} as const;

export type JanusFailure = 'refused' | 'timeout' | 'disconnected';

export class JanusError extends Error {
  constructor(
    readonly failure: JanusFailure,
    readonly code: number | undefined,
    reason: string,
  ) {
    super(code === undefined ? reason : `${reason} (Janus code ${code})`);
    this.name = 'JanusError';
  }

  static refused(code: number, reason: string): JanusError {
    return new JanusError('refused', code, reason);
  }

  static timeout(request: string, timeoutMs: number): JanusError {
    return new JanusError('timeout', undefined, `Janus did not answer '${request}' within ${timeoutMs} ms`);
  }

  static disconnected(): JanusError {
    return new JanusError('disconnected', undefined, 'the connection to Janus was lost');
  }

  /** The session or handle the request was for is closed or being closed. */
  static gone(): JanusError {
    return new JanusError('disconnected', undefined, 'the Janus session is gone');
  }

  is(code: number): boolean {
    return this.code === code;
  }
}
