/**
 * Secrets on HTTP routes (`Authorization: Bearer <secret>`), compared in
 * constant time through their digests.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

function secretDigest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function matchesDigest(value: string, digest: Buffer): boolean {
  return timingSafeEqual(secretDigest(value), digest);
}

export function hasSecret(request: FastifyRequest, secret: string): boolean {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) return false;
  return matchesDigest(header.slice('Bearer '.length).trim(), secretDigest(secret));
}
