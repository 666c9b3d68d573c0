/** The HTTP calls the page makes. */
import type { ErrorReply, JoinCallReply, StartPstnCallReply } from '../protocol/http.js';

/** A refusal from the server, with its stable code; `retryAfterS` is set when trying again soon can help. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly retryAfterS: number | undefined,
  ) {
    super(message);
  }
}

async function readReply<T>(response: Response): Promise<T> {
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (body as ErrorReply | undefined)?.error;
    const retryAfter = response.status === 503 ? Number(response.headers.get('retry-after') ?? 2) : undefined;
    throw new ApiError(error ? `${error.reason} (${error.code})` : `the server answered ${response.status}`, error?.code, retryAfter);
  }
  return body as T;
}

/** How often a join the server could not take for now (503) is tried again before the page gives up. */
const JOIN_ATTEMPTS = 10;

/** Joins a room; while the server answers that it cannot take the join right now, tries again by itself, saying so. */
export async function joinCall(name: string, room: string, password: string | undefined, onRetry: (reason: string, inS: number) => void): Promise<JoinCallReply> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch('/joinCall', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, room, ...(password ? { password } : {}) }),
    });
    try {
      return await readReply<JoinCallReply>(response);
    } catch (error) {
      if (!(error instanceof ApiError) || error.retryAfterS === undefined || attempt >= JOIN_ATTEMPTS) throw error;
      onRetry(error.message, error.retryAfterS);
      await new Promise((resolve) => setTimeout(resolve, error.retryAfterS! * 1000));
    }
  }
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
