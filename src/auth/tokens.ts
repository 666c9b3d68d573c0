/**
 * Participant tokens: HS256 JWTs naming one participant in one room, short
 * lived. The signing key comes from TOKEN_SECRET or is generated once and
 * kept in the run directory, so tokens survive a server restart.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { makePrivateDir, writePrivateFile } from '../support/privateFiles.js';

const ISSUER = 'convene';
const AUDIENCE = 'convene-participant';

const Claims = z.object({ sub: z.string(), room: z.string(), name: z.string() });
export type ParticipantGrant = { participantId: string; room: string; name: string };

export type TokenFailure = 'expired' | 'invalid' | 'revoked';

/** Whether a participant's tokens were withdrawn before they expire (its meeting was ended). */
export type RevocationCheck = (participantId: string) => Promise<boolean>;

export class TokenIssuer {
  private constructor(
    private readonly key: Uint8Array,
    private readonly ttlSeconds: number,
    private readonly isRevoked: RevocationCheck,
  ) {}

  static async create(secret: string | undefined, runDir: string, ttlSeconds: number, isRevoked: RevocationCheck): Promise<TokenIssuer> {
    const key = secret ? new TextEncoder().encode(secret) : await loadOrCreateKey(runDir);
    return new TokenIssuer(key, ttlSeconds, isRevoked);
  }

  issue(grant: ParticipantGrant): Promise<string> {
    return new SignJWT({ room: grant.room, name: grant.name })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(grant.participantId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<{ ok: true; grant: ParticipantGrant } | { ok: false; failure: TokenFailure }> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      const claims = Claims.parse(payload);
      if (await this.isRevoked(claims.sub)) return { ok: false, failure: 'revoked' };
      return { ok: true, grant: { participantId: claims.sub, room: claims.room, name: claims.name } };
    } catch (error) {
      return { ok: false, failure: error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}

async function loadOrCreateKey(runDir: string): Promise<Uint8Array> {
  const path = join(runDir, 'token-secret');
  try {
    return Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
  } catch {
    const key = randomBytes(32);
    await makePrivateDir(runDir);
    await writePrivateFile(path, key.toString('base64url'));
    return key;
  }
}
