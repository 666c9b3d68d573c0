/** The HTTP API as a participant calls it with its token, from outside any page. */

export interface ApiReply {
  status: number;
  json: Record<string, unknown>;
}

/** Calls the HTTP API as a participant with `token`: a POST with a JSON body, or a GET without one (as the seed does). */
export async function callAsParticipant(baseUrl: string, path: string, token: string, body?: unknown): Promise<ApiReply> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
