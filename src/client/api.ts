/** The HTTP calls the page makes. */
import type { ErrorReply, JoinCallReply, StartPstnCallReply } from '../protocol/http.js';

async function readReply<T>(response: Response): Promise<T> {
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (body as ErrorReply | undefined)?.error;
    throw new Error(error ? `${error.reason} (${error.code})` : `the server answered ${response.status}`);
  }
  return body as T;
}

export async function joinCall(name: string, room: string): Promise<JoinCallReply> {
  const response = await fetch('/joinCall', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, room }),
  });
  return readReply<JoinCallReply>(response);
}

export async function lookUpName(participantId: string, token: string): Promise<string> {
  const response = await fetch(`/idLookup?id=${encodeURIComponent(participantId)}`, { headers: { authorization: `Bearer ${token}` } });
  return (await readReply<{ attendee: string }>(response)).attendee;
}

export async function startPhoneCall(number: string, name: string, token: string): Promise<StartPstnCallReply> {
  const response = await fetch('/startPSTNCall', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ number, name }),
  });
  return readReply<StartPstnCallReply>(response);
}

export async function endPhoneCall(callId: string, token: string): Promise<void> {
  const response = await fetch('/endPSTNCall', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ callId }),
  });
  await readReply<unknown>(response);
}
