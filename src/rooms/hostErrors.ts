/**
 * What a host's request (or a request hosts' rules forbid) can meet, with
 * stable codes the signalling layer sends on the wire.
 */
export type HostErrorCode = 'not_host' | 'no_such_participant' | 'microphones_locked';

export class HostError extends Error {
  constructor(
    readonly code: HostErrorCode,
    reason: string,
  ) {
    super(reason);
    this.name = 'HostError';
  }

  static notHost(): HostError {
    return new HostError('not_host', 'only a host can do that');
  }

  static noSuchParticipant(): HostError {
    return new HostError('no_such_participant', 'no such participant in this room');
  }

  static microphonesLocked(): HostError {
    return new HostError('microphones_locked', 'a host muted you and locked microphones: you cannot unmute yourself');
  }
}
