import type { ServerMessage } from '../protocol/messages.js';

/** How a room reaches one participant's page; the signalling layer implements it. */
export interface ParticipantChannel {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}
