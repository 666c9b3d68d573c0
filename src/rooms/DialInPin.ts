/**
 * A room's dial-in PIN as this app server holds it: claimed in the room
 * directory when the room is created here (the one it has, if another
 * server created it first), told to each page that connects, and claimed
 * again after the directory lost its data: the same PIN while no other room
 * took it meanwhile, else a new one that the pages are told of.
 */
import type { ServerMessage } from '../protocol/messages.js';
import type { RoomDirectory } from '../cluster/RoomDirectory.js';
import { newPin } from '../cluster/roomPins.js';

export class DialInPin {
  private pin = '';

  constructor(
    private readonly room: string,
    private readonly directory: RoomDirectory,
    /** The number phones call; empty when this server takes no calls (pages are then told nothing). */
    private readonly number: string,
  ) {}

  async claim(): Promise<void> {
    this.pin = await this.directory.roomPin(this.room, newPin);
  }

  /** Claims the PIN again after the directory lost it; true when the room has a new one. */
  async reclaim(): Promise<boolean> {
    const previous = this.pin;
    let drawn = 0;
    this.pin = await this.directory.roomPin(this.room, () => (drawn++ === 0 ? previous : newPin()));
    return this.pin !== previous;
  }

  /** What a page of the room is told: the number to call and the PIN. */
  message(): Extract<ServerMessage, { type: 'dialIn' }> | undefined {
    return this.number ? { type: 'dialIn', number: this.number, pin: this.pin } : undefined;
  }
}
