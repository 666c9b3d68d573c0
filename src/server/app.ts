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
import { registerMeetingRoutes } from '../http/meetingRoutes.js';
import { registerTelephonyRoutes } from '../http/telephonyRoutes.js';
import { registerAdminRoutes } from '../http/adminRoutes.js';
import type { Telephony } from '../telephony/Telephony.js';
import { registerSignallingRoute } from '../signalling/signallingRoute.js';
import { sendError } from '../http/httpErrors.js';
import type { TlsFiles } from './tls.js';

export interface AppDeps {
  rooms: RoomRegistry;
  tokens: TokenIssuer;
  tokenTtlSeconds: number;
  signalling: SignallingOptions;
  logger: Logger;
  isReady: () => boolean;
  telephony: Telephony | undefined;
  callbackSecret: string | undefined;
  adminSecret: string | undefined;
  /** Serve HTTPS with this certificate; plain HTTP without. */
  tls?: TlsFiles | undefined;
}

const MAX_BODY_BYTES = 16 * 1024;
const MAX_WS_MESSAGE_BYTES = 128 * 1024;

/** The built client, dist/client: the same path from dist/server and, through tsx, from src/server. */
export function clientDir(): string | undefined {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../dist/client');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: MAX_BODY_BYTES,
    https: deps.tls ?? null,
  });

  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 'payload_too_large', `bodies are limited to ${MAX_BODY_BYTES} bytes`);
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, 'invalid_json', 'the request body is not valid JSON of a supported content type');
    }
    request.log.error({ err: error.message }, 'unhandled request error');
    return sendError(reply, 'internal_error', 'something went wrong on the server');
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`));

  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_WS_MESSAGE_BYTES } });
  registerMeetingRoutes(app, deps);
  registerTelephonyRoutes(app, deps);
  registerAdminRoutes(app, deps);
  registerSignallingRoute(app, { rooms: deps.rooms, tokens: deps.tokens, options: deps.signalling, logger: deps.logger });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => (deps.isReady() ? { status: 'ready' } : sendError(reply, 'media_unavailable', 'Janus is not connected')));

  const staticRoot = clientDir();
  if (staticRoot) await app.register(fastifyStatic, { root: staticRoot, index: 'index.html' });
  else deps.logger.warn('the browser client is not built (run npm run build): only the API is served');
  return app;
}
