/**
 * The one place where failures become what a page sees: a stable code and a
 * reason, never a stack trace.
 */
import { JanusError } from '../media/janus/janusErrors.js';
import { MediaError } from '../media/mediaErrors.js';
import { isDirectoryOutage } from '../cluster/directoryErrors.js';
import { ChatError } from '../rooms/chatErrors.js';
import { HostError } from '../rooms/hostErrors.js';

export interface WireError {
  code: string;
  reason: string;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof MediaError || error instanceof ChatError || error instanceof HostError) return { code: error.code, reason: error.message };
  if (isDirectoryOutage(error)) return { code: 'directory_unavailable', reason: 'the server cannot reach its shared directory right now; try again' };
  if (error instanceof JanusError) {
    return error.failure === 'refused'
      ? { code: 'media_refused', reason: error.message }
      : { code: 'media_unavailable', reason: 'the media server did not answer; try again' };
  }
  return { code: 'internal_error', reason: 'something went wrong on the server' };
}
