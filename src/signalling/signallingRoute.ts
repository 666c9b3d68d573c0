/**
 * `GET /ws?token=…`: the page's one signalling WebSocket. The token is
 * checked before the upgrade, so a bad token gets a plain HTTP 401.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ParticipantGrant, TokenIssuer } from '../auth/tokens.js';
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import { authenticate } from '../http/auth.js';
import { describeIssues, sendError } from '../http/httpErrors.js';
import { SignallingConnection, type EnterRoom, type SignallingOptions } from './SignallingConnection.js';

const WsQuery = z.object({ token: z.string().min(1).max(4096) }).strict();

export interface SignallingRouteDeps {
  rooms: RoomRegistry;
  tokens: TokenIssuer;
  options: SignallingOptions;
  logger: Logger;
}

export function registerSignallingRoute(app: FastifyInstance, deps: SignallingRouteDeps): void {
  const grants = new WeakMap<FastifyRequest, ParticipantGrant>();
  app.get(
    '/ws',
    {
      websocket: true,
      preValidation: async (request, reply) => {
        if (!request.ws) return sendError(reply, 'upgrade_required', 'GET /ws takes a WebSocket upgrade');
        const query = WsQuery.safeParse(request.query);
        if (!query.success) return sendError(reply, 'invalid_request', describeIssues(query.error));
        const auth = await authenticate(request, deps.tokens, query.data.token);
        if (!auth.ok) return sendError(reply, auth.code, auth.reason);
        grants.set(request, auth.grant);
      },
    },
    (socket, request) => {
      const grant = grants.get(request);
      if (!grant) return socket.close(1011, 'not authenticated');
      const enter: EnterRoom = (channel) =>
        deps.rooms.use(grant.room, async (room) => ({ room, ...(await room.connect(grant.participantId, grant.name, channel)) }));
      new SignallingConnection(socket, enter, grant, deps.options, deps.logger).start();
    },
  );
}
