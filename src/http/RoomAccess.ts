/**
 * Who may take a place in a room: at most ROOM_MAX_PARTICIPANTS people and
 * phones (reservations included), and, when the room's first joiner set a
 * password, only those who give it. A password is kept against the Room
 * object it was set for, so it is forgotten with that room: a room that
 * empties and opens again under the same name is a new Room, with a new
 * first joiner.
 */
import type { Room } from '../rooms/Room.js';
import type { HttpErrorCode } from './httpErrors.js';
import { matchesDigest, secretDigest } from './secrets.js';

export type AccessVerdict = { ok: true } | { ok: false; code: HttpErrorCode; reason: string };

export class RoomAccess {
  private readonly passwords = new WeakMap<Room, Buffer>();

  constructor(private readonly maxParticipants: number) {}

  /** Whether one more participant fits in the room. */
  hasRoomFor(room: Room): AccessVerdict {
    return room.size < this.maxParticipants
      ? { ok: true }
      : { ok: false, code: 'room_full', reason: `the room is full (${this.maxParticipants} participants)` };
  }

  /**
   * Checks a `/joinCall`. The first joiner of a room (it has nobody yet)
   * sets its password, or leaves it open; everyone after must match that.
   * Call it right before inviting, with nothing awaited in between, so two
   * joins cannot both be first.
   */
  admit(room: Room, password: string | undefined): AccessVerdict {
    const full = this.hasRoomFor(room);
    if (!full.ok) return full;
    if (room.size === 0) {
      if (password !== undefined) this.passwords.set(room, secretDigest(password));
      return { ok: true };
    }
    const expected = this.passwords.get(room);
    if (expected === undefined) {
      return password === undefined
        ? { ok: true }
        : { ok: false, code: 'conflict', reason: 'this room was opened without a password; join without one, or use another room' };
    }
    if (password === undefined) return { ok: false, code: 'wrong_password', reason: 'this room needs its password' };
    return matchesDigest(password, expected) ? { ok: true } : { ok: false, code: 'wrong_password', reason: 'wrong password for this room' };
  }
}
