/**
 * The VideoRoom id of a meeting room, the same on every Janus node and every
 * app server, so any server can find or create the room on any node without
 * asking the others.
 */
import { createHash } from 'node:crypto';

/** Janus room ids are JSON numbers: stay within 47 bits so they remain exact. */
export function janusRoomIdFor(roomName: string): number {
  const digest = createHash('sha256').update(`convene-room:${roomName}`).digest();
  return digest.readUIntBE(0, 6) % 2 ** 47 + 1;
}
