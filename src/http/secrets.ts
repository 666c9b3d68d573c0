/**
 * Secrets on HTTP routes (`Authorization: Bearer <secret>`, room password
 * digests), compared in constant time through their digests, so neither
 * their content nor their length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

function secretDigest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(secretDigest(a), secretDigest(b));
}

export function hasSecret(request: FastifyRequest, secret: string): boolean {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) return false;
  return sameSecret(header.slice('Bearer '.length).trim(), secret);
}
