/**
 * Reads a participant token from a request: the Authorization header, or
 * the cookie `/joinCall` sets (so pages written for the seed sample, which
 * call `/idLookup` without a header, still work).
 */
import type { FastifyRequest } from 'fastify';
import type { ParticipantGrant, TokenIssuer } from '../auth/tokens.js';

export const TOKEN_COOKIE = 'convene_token';

export function tokenFromRequest(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return value.join('=');
  }
  return undefined;
}

export type Authentication = { ok: true; grant: ParticipantGrant } | { ok: false; code: 'unauthorized' | 'token_expired'; reason: string };

/** The token of a request (see `tokenFromRequest`), checked. */
export function authenticate(request: FastifyRequest, tokens: TokenIssuer): Promise<Authentication> {
  return checkToken(tokens, tokenFromRequest(request));
}

export async function checkToken(tokens: TokenIssuer, token: string | undefined): Promise<Authentication> {
  if (!token) return { ok: false, code: 'unauthorized', reason: 'a participant token is required (Authorization: Bearer <token>)' };
  const verified = await tokens.verify(token);
  if (verified.ok) return verified;
  switch (verified.failure) {
    case 'expired':
      return { ok: false, code: 'token_expired', reason: 'the token has expired; join again' };
    case 'revoked':
      return { ok: false, code: 'unauthorized', reason: 'this meeting was ended; join again' };
    default:
      return { ok: false, code: 'unauthorized', reason: 'the token is not valid' };
  }
}
