/**
 * Media failures a participant's request can meet, with stable codes the
 * signalling layer sends on the wire.
 */
export type MediaErrorCode = 'unknown_peer_connection' | 'media_unavailable';

export class MediaError extends Error {
  constructor(
    readonly code: MediaErrorCode,
    reason: string,
  ) {
    super(reason);
    this.name = 'MediaError';
  }

  static unknownPeerConnection(pcId: string): MediaError {
    return new MediaError('unknown_peer_connection', `no peer connection '${pcId}' on this participant`);
  }

  static unavailable(detail: string): MediaError {
    return new MediaError('media_unavailable', `the media server is unavailable: ${detail}`);
  }
}
