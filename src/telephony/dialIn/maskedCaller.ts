/**
 * The name a dial-in phone gets on its tile: its number with all but the
 * last four digits hidden (and never its length), so the room can tell
 * callers apart without learning their numbers.
 */
const SHOWN_DIGITS = 4;

export function maskedCaller(callerNumber: string): string {
  const digits = callerNumber.replace(/[^0-9]/g, '');
  return digits.length > SHOWN_DIGITS ? `Phone ···${digits.slice(-SHOWN_DIGITS)}` : 'Phone';
}
