/**
 * Secrets on HTTP routes (`Authorization: Bearer <secret>`, room
 * passwords), compared in constant time through their digests.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export function secretDigest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function matchesDigest(value: string, digest: Buffer): boolean {
  return timingSafeEqual(secretDigest(value), digest);
}

export function hasSecret(request: FastifyRequest, secret: string): boolean {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) return false;
  return matchesDigest(header.slice('Bearer '.length).trim(), secretDigest(secret));
}
