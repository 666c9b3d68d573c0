/**
 * The catalogue of HTTP error codes: each stable code with its status. Error
 * codes are API; add, never rename.
 */
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { ErrorReply } from '../protocol/http.js';

export const HttpErrors = {
  invalid_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  token_expired: 401,
  forbidden: 403,
  number_not_allowed: 403,
  room_full: 403,
  wrong_password: 403,
  room_locked: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  upgrade_required: 426,
  rate_limited: 429,
  internal_error: 500,
  media_unavailable: 503,
  directory_unavailable: 503,
  telephony_unavailable: 503,
} as const;
export type HttpErrorCode = keyof typeof HttpErrors;

/** The code each error reply was sent with, for the error metrics. */
const sentCodes = new WeakMap<FastifyReply, HttpErrorCode>();

export function errorCodeOf(reply: FastifyReply): HttpErrorCode | undefined {
  return sentCodes.get(reply);
}

export function sendError(reply: FastifyReply, code: HttpErrorCode, reason: string): FastifyReply {
  const body: ErrorReply = { error: { code, reason } };
  sentCodes.set(reply, code);
  return reply.code(HttpErrors[code]).send(body);
}

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}
