/**
 * How a phone call ends, in words the page can show: the seed's failure
 * reasons mapped from SIP status codes (RFC 3261 §21).
 */
export type CallFailure = 'busy' | 'no answer' | 'rejected' | 'unreachable' | 'auth failed';

export function failureOf(status: number, sentCredentials: boolean): CallFailure {
  if (status === 486 || status === 600) return 'busy';
  if (status === 408 || status === 480 || status === 487) return 'no answer';
  if (status === 401 || status === 407) return 'auth failed';
  // Trunks answer a bad password with 403 once credentials were sent.
  if (status === 403 && sentCredentials) return 'auth failed';
  if (status === 503 || status === 502 || status === 504) return 'unreachable';
  return 'rejected';
}
