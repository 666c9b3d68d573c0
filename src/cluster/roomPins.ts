/**
 * Room PINs: the number a phone caller types to join a room. Each room has
 * one while it lives, unique across the cluster (claimed in the room
 * directory), drawn from crypto randomness so that guessing one means
 * trying a good part of 10^8 numbers, which the per-number attempt budget
 * of dial-in rules out.
 */
import { randomInt } from 'node:crypto';

export const PIN_DIGITS = 8;

/** A PIN that takes this many draws to be free is a sign of a broken store, not of bad luck. */
export const PIN_CLAIM_ATTEMPTS = 20;

export function newPin(): string {
  return String(randomInt(0, 10 ** PIN_DIGITS)).padStart(PIN_DIGITS, '0');
}

export function isPin(text: string): boolean {
  return text.length === PIN_DIGITS && /^[0-9]+$/.test(text);
}

export class PinClaimError extends Error {
  constructor(room: string) {
    super(`no free PIN found for room ${room} after ${PIN_CLAIM_ATTEMPTS} draws`);
    this.name = 'PinClaimError';
  }
}
