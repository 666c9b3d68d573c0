/**
 * Request rate limits of the HTTP routes that cost something (a
 * participant, a phone call): each is counted per client address and per
 * room, in fixed one-minute windows (`@fastify/rate-limit`'s store). Over
 * either limit the answer is `429 rate_limited` with `Retry-After`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler, preHandlerAsyncHookHandler } from 'fastify';
import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import { sendError } from './httpErrors.js';

const WINDOW_MS = 60_000;

/** Makes `app.createRateLimit` available; no route is limited until it asks. */
export async function registerRateLimiting(app: FastifyInstance): Promise<void> {
  await app.register(fastifyRateLimit, { global: false });
}

export interface RouteRateLimit {
  /** Runs first, before the body is read: counts every request of a client address. */
  perAddress: onRequestAsyncHookHandler;
  /** Runs once the body is parsed: counts the requests for one room. */
  perRoom: preHandlerAsyncHookHandler;
}

/**
 * The two hooks of one limited route. `roomOf` names the room a request is
 * for, or undefined when it cannot be told (a bad body or token): such a
 * request is refused by the route itself, and must not use up a real room's
 * allowance.
 */
export function rateLimitPerAddressAndRoom(
  app: FastifyInstance,
  options: { perMinute: number; what: string; roomOf: (request: FastifyRequest) => Promise<string | undefined> | string | undefined },
): RouteRateLimit {
  const addressLimit = app.createRateLimit({
    max: options.perMinute,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => normalizeIP(request.ip),
  });
  const roomLimit = app.createRateLimit({
    max: options.perMinute,
    timeWindow: WINDOW_MS,
    keyGenerator: async (request) => (await options.roomOf(request)) ?? '',
    allowList: (_request, room) => room === '',
  });
  const enforce =
    (limit: typeof addressLimit, counted: string) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      const verdict = await limit(request);
      if (!verdict.isAllowed && verdict.isExceeded) return refuse(reply, verdict.ttlInSeconds, `too many ${options.what} ${counted}`);
      return undefined;
    };
  return { perAddress: enforce(addressLimit, 'from your address'), perRoom: enforce(roomLimit, 'for this room') };
}

function refuse(reply: FastifyReply, retryAfterSeconds: number, what: string): FastifyReply {
  const seconds = Math.max(1, retryAfterSeconds);
  void reply.header('retry-after', String(seconds));
  return sendError(reply, 'rate_limited', `${what}; try again in ${seconds} s`);
}
