/**
 * Security headers on every answer, the page and the API alike (errors
 * included): helmet's defaults, with a Content-Security-Policy that lets the
 * page run only its own scripts and talk only to its own server, and frames
 * it only where FRAME_ANCESTORS allows.
 *
 * Choices against helmet's defaults:
 * - `upgrade-insecure-requests` is left out: Convene may be served over plain
 *   HTTP (localhost, a LAN), where it would send the page's requests to an
 *   HTTPS port that is not there. Over HTTPS every request is same-origin
 *   already.
 * - X-Frame-Options, for browsers that ignore frame-ancestors, can only say
 *   "same origin" or "nobody"; with other origins allowed it is left out, as
 *   it would refuse them.
 * - Cross-Origin-Embedder-Policy stays off (helmet's default): nothing the
 *   page needs is cross-origin, and WebRTC does not depend on it.
 * - Cross-Origin-Resource-Policy and -Opener-Policy stay `same-origin`: the
 *   page loads only its own files and opens no other window; a frame that
 *   embeds the page is a navigation, which CORP does not govern.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyHelmet from '@fastify/helmet';
import helmet from 'helmet';

export type FrameAncestors = readonly string[];

/** Typed by inference: @fastify/helmet and helmet each declare the options type, and the two do not mix. */
function securityHeaderOptions(frameAncestors: FrameAncestors) {
  return {
    contentSecurityPolicy: {
      directives: {
        'script-src': ["'self'"],
        // fetch and the signalling WebSocket: CSP 3 lets 'self' match ws: and wss: on the page's own host.
        'connect-src': ["'self'"],
        'frame-ancestors': [...frameAncestors],
        'upgrade-insecure-requests': null,
      },
    },
    xFrameOptions: legacyFrameOptions(frameAncestors),
    referrerPolicy: { policy: 'no-referrer' as const },
  };
}

function legacyFrameOptions(frameAncestors: FrameAncestors): false | { action: 'sameorigin' | 'deny' } {
  if (frameAncestors.length !== 1) return false;
  if (frameAncestors[0] === "'self'") return { action: 'sameorigin' };
  if (frameAncestors[0] === "'none'") return { action: 'deny' };
  return false;
}

/** Registered before the rate limits and routes, so that their early answers (429, 404) carry the headers too. */
export async function registerSecurityHeaders(app: FastifyInstance, frameAncestors: FrameAncestors): Promise<void> {
  await app.register(fastifyHelmet, securityHeaderOptions(frameAncestors));
}

/**
 * The same headers for the answers Fastify gives before routing (a URL it
 * cannot decode): no hook runs for those, so the plugin's cannot either.
 */
export function securityHeadersBeforeRouting(frameAncestors: FrameAncestors): (request: FastifyRequest, reply: FastifyReply) => void {
  const setHeaders = helmet(securityHeaderOptions(frameAncestors));
  return (request, reply) =>
    setHeaders(request.raw, reply.raw, (error) => {
      if (error) throw error;
    });
}
