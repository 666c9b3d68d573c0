/**
 * Builds the HTTP server: the API routes, the signalling WebSocket and the
 * browser client's files. Everything it needs is passed in.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import type { Logger } from 'pino';
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import type { TokenIssuer } from '../auth/tokens.js';
import type { SignallingOptions } from '../signalling/SignallingConnection.js';
import type { Limits } from '../config/limits.js';
import { registerRateLimiting } from '../http/rateLimits.js';
import { RoomAccess } from '../http/RoomAccess.js';
import type { ServerMetrics, StatsSource } from '../metrics/ServerMetrics.js';
import { isDirectoryOutage } from '../cluster/directoryErrors.js';
import { MediaError } from '../media/mediaErrors.js';
import { registerMetrics } from '../metrics/metricsRoute.js';
import { registerMeetingRoutes } from '../http/meetingRoutes.js';
import { registerTelephonyRoutes } from '../http/telephonyRoutes.js';
import { registerAdminRoutes } from '../http/adminRoutes.js';
import type { Telephony } from '../telephony/Telephony.js';
import { registerSignallingRoute } from '../signalling/signallingRoute.js';
import { sendError } from '../http/httpErrors.js';
import { registerSecurityHeaders, securityHeadersBeforeRouting, type FrameAncestors } from '../http/securityHeaders.js';
import type { TlsFiles } from './tls.js';

export interface AppDeps {
  rooms: RoomRegistry;
  tokens: TokenIssuer;
  tokenTtlSeconds: number;
  /** What the signalling WebSocket needs from the wiring; the limits and metrics parts are added here. */
  signalling: Omit<SignallingOptions, 'messageRate' | 'chatRate' | 'onErrorSent'>;
  /** START_MUTED_AUDIO, told to each page as it joins. */
  startMutedAudio: boolean;
  logger: Logger;
  isReady: () => boolean;
  telephony: Telephony | undefined;
  callbackSecret: string | undefined;
  adminSecret: string | undefined;
  limits: Limits;
  metricsSecret: string | undefined;
  metrics: ServerMetrics;
  stats: StatsSource;
  /** Who may show the page in a frame (FRAME_ANCESTORS). */
  frameAncestors: FrameAncestors;
  /** Serve HTTPS with this certificate; plain HTTP without. */
  tls?: TlsFiles | undefined;
}

const MAX_BODY_BYTES = 16 * 1024;
const MAX_WS_MESSAGE_BYTES = 128 * 1024;
/** Redis outages are short (a restart, a failover): the page tries again this soon. */
const DIRECTORY_RETRY_AFTER_S = 2;

/** The built client, dist/client: the same path from dist/server and, through tsx, from src/server. */
export function clientDir(): string | undefined {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../dist/client');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const setSecurityHeaders = securityHeadersBeforeRouting(deps.frameAncestors);
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: MAX_BODY_BYTES,
    trustProxy: deps.limits.trustProxy,
    // Requests the router cannot take (a URL with broken percent-encoding) get our error body too.
    frameworkErrors: (error, request, reply) => {
      setSecurityHeaders(request, reply);
      return sendError(reply, 'invalid_request', `the request cannot be routed: ${error.message}`);
    },
    https: deps.tls ?? null,
  });
  await registerSecurityHeaders(app, deps.frameAncestors);
  const { metrics } = deps;
  registerMetrics(app, metrics, deps.stats, deps.metricsSecret);

  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 'payload_too_large', `bodies are limited to ${MAX_BODY_BYTES} bytes`);
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, 'invalid_json', 'the request body is not valid JSON of a supported content type');
    }
    if (isDirectoryOutage(error)) {
      void reply.header('retry-after', String(DIRECTORY_RETRY_AFTER_S));
      return sendError(reply, 'directory_unavailable', 'the server cannot reach its shared directory right now; try again in a few seconds');
    }
    if (error instanceof MediaError) return sendError(reply, 'media_unavailable', error.message);
    request.log.error({ err: error }, 'unhandled request error');
    return sendError(reply, 'internal_error', 'something went wrong on the server');
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`));

  await app.register(fastifyWebsocket, {
    options: { maxPayload: MAX_WS_MESSAGE_BYTES },
    errorHandler: (error: Error & { code?: string }, socket, request) => {
      // A frame the WebSocket protocol refuses (too big, not UTF-8) is the page's fault, and ws has already
      // closed the socket with the code that says why (1009, 1007); anything else ends the socket here.
      if (error.code?.startsWith('WS_ERR_')) return request.log.info({ err: error.message }, 'page broke the WebSocket protocol');
      request.log.warn({ err: error.message }, 'signalling socket failed');
      socket.terminate();
    },
  });
  await registerRateLimiting(app);
  const access = new RoomAccess(deps.rooms, deps.limits.roomMaxParticipants);
  registerMeetingRoutes(app, { ...deps, access, joinsPerMinute: deps.limits.joinsPerMinute, pageSettings: { ...deps.signalling, startMutedAudio: deps.startMutedAudio } });
  registerTelephonyRoutes(app, { ...deps, access, dialsPerMinute: deps.limits.dialsPerMinute });
  registerAdminRoutes(app, deps);
  const signalling: SignallingOptions = {
    ...deps.signalling,
    messageRate: { perSecond: deps.limits.wsMessagesPerSecond, burst: deps.limits.wsMessageBurst },
    chatRate: { perSecond: deps.limits.chatMessagesPerSecond, burst: deps.limits.chatMessageBurst },
    onErrorSent: (code) => metrics.countError('ws', code),
  };
  registerSignallingRoute(app, { rooms: deps.rooms, tokens: deps.tokens, options: signalling, logger: deps.logger });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => (deps.isReady() ? { status: 'ready' } : sendError(reply, 'media_unavailable', 'Janus is not connected')));

  const staticRoot = clientDir();
  if (staticRoot) await app.register(fastifyStatic, { root: staticRoot, index: 'index.html' });
  else deps.logger.warn('the browser client is not built (run npm run build): only the API is served');
  return app;
}
