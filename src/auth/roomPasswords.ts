/** How a room's password is kept in the room directory: never as typed. */
import { createHash } from 'node:crypto';

/** A room without a password. */
export const OPEN_ACCESS = '';

/** Salted with the room's name, so equal passwords of different rooms differ in the directory. */
export function passwordDigest(room: string, password: string): string {
  return createHash('sha256').update(`convene-room-password:${room}:${password}`).digest('hex');
}
