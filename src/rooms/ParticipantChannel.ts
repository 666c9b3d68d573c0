import type { ServerMessage } from '../protocol/messages.js';

/** How a room reaches one participant's page; the signalling layer implements it. */
export interface ParticipantChannel {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
  /** Settles when the page's end closes (`deliberate`: the page said it leaves). */
  readonly closed: Promise<{ deliberate: boolean }>;
}
