/**
 * Keypad digits sent as SIP INFO, for trunks and phones that do not send
 * RFC 4733 events: `application/dtmf-relay` (`Signal=5` and a duration) and
 * `application/dtmf` (the digit alone). One INFO carries one key.
 */
import { keypadDigit, type KeypadDigit } from './telephoneEvents.js';

/** Bodies longer than this are no DTMF INFO: refused without reading them. */
export const MAX_INFO_BODY_BYTES = 256;

export type InfoDigit = { ok: true; digit: KeypadDigit } | { ok: false; problem: string };

export function readInfoDigit(contentType: string | undefined, body: string | undefined): InfoDigit {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  const text = body ?? '';
  if (text.length > MAX_INFO_BODY_BYTES) return { ok: false, problem: 'body too long' };
  let signal: string | undefined;
  if (type === 'application/dtmf-relay') signal = /^\s*signal\s*=\s*(\S)\s*$/im.exec(text)?.[1];
  else if (type === 'application/dtmf') signal = text.trim();
  else return { ok: false, problem: `unsupported content type ${type || '(none)'}` };
  const digit = signal === undefined ? undefined : keypadDigit(signal);
  return digit ? { ok: true, digit } : { ok: false, problem: 'no keypad digit in the body' };
}
