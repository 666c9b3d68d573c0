/**
 * Who may take a place in a room: at most ROOM_MAX_PARTICIPANTS people and
 * phones (reservations included, on every app server), no one while a host
 * has locked it, and, when the room's
 * first joiner set a password, only those who give it. The password's digest
 * is kept in the room directory until the room's last member leaves, so a
 * room that empties and opens again under the same name has a new first joiner.
 * A host may set or clear it meanwhile (see rooms/Moderation.ts).
 */
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import type { HttpErrorCode } from './httpErrors.js';
import { sameSecret } from './secrets.js';
import { OPEN_ACCESS as OPEN, passwordDigest } from '../auth/roomPasswords.js';

export type AccessVerdict = { ok: true } | { ok: false; code: HttpErrorCode; reason: string };

export class RoomAccess {
  constructor(
    private readonly rooms: RoomRegistry,
    private readonly maxParticipants: number,
  ) {}

  /** Whether one more participant fits in a room of `memberCount` (see `RoomRegistry.memberCount`). */
  hasRoomFor(memberCount: number): AccessVerdict {
    return memberCount < this.maxParticipants
      ? { ok: true }
      : { ok: false, code: 'room_full', reason: `the room is full (${this.maxParticipants} participants)` };
  }

  /**
   * Checks a `/joinCall`: the first joiner of a room sets its password, or
   * leaves it open; everyone after must match that. An admitted joiner gets
   * the room's access record, to keep with its reservation (see
   * `RoomDirectory.saveMember`).
   */
  async admit(room: string, password: string | undefined): Promise<AccessVerdict & { access?: string }> {
    const full = this.hasRoomFor(await this.rooms.memberCount(room));
    if (!full.ok) return full;
    if ((await this.rooms.rules(room)).locked) return { ok: false, code: 'room_locked', reason: 'a host locked this room: no one else can join' };
    const offered = password === undefined ? OPEN : passwordDigest(room, password);
    const recorded = await this.rooms.openRoom(room, offered);
    if (sameSecret(recorded, offered)) return { ok: true, access: recorded };
    if (recorded === OPEN) {
      return { ok: false, code: 'conflict', reason: 'this room was opened without a password; join without one, or use another room' };
    }
    if (password === undefined) return { ok: false, code: 'wrong_password', reason: 'this room needs its password' };
    return { ok: false, code: 'wrong_password', reason: 'wrong password for this room' };
  }
}
