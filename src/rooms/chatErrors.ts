/** Why a chat message was refused, with the stable code the page sees (see signalling/wireErrors.ts). */
export class ChatError extends Error {
  private constructor(
    readonly code: 'unknown_recipient',
    message: string,
  ) {
    super(message);
    this.name = 'ChatError';
  }

  /** A private message to someone who is not in the room, to a phone (which cannot read), or to oneself. */
  static unknownRecipient(): ChatError {
    return new ChatError('unknown_recipient', 'nobody in this room can receive that private message');
  }
}
