/**
 * Participant tokens made by the test itself: ones that expire in a second,
 * or ones signed with another server's key.
 */
import { TokenIssuer } from '../../src/auth/tokens.js';

/** Signs tokens as a server with `secret` does. Revocation only matters when verifying, which the server does. */
export function tokenIssuer(secret: string, runDir: string, ttlSeconds: number): Promise<TokenIssuer> {
  return TokenIssuer.create(secret, runDir, ttlSeconds, async () => false);
}

/**
 * Resolves once `token` is past its `exp` claim (whole seconds, as JWTs
 * count them). Waiting on the clock is the point here: nothing but time
 * makes a token expire.
 */
export async function untilExpired(token: string): Promise<void> {
  const [, payload = ''] = token.split('.');
  const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp?: unknown };
  if (typeof exp !== 'number') throw new Error(`token has no exp claim: ${token}`);
  const expiresAtMs = exp * 1000;
  while (Date.now() < expiresAtMs) await new Promise((resolve) => setTimeout(resolve, expiresAtMs - Date.now()));
}
