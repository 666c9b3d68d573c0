/**
 * `GET /ws`: the page's one signalling WebSocket. With `?token=…` the token
 * is checked before the upgrade, so a bad one gets a plain HTTP 401; without
 * it, the socket's first message must be `authenticate` (see
 * socketAuthentication.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { PROTOCOL_VERSION, type ServerMessage } from '../protocol/messages.js';
import type { ParticipantGrant, TokenIssuer } from '../auth/tokens.js';
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import { checkToken } from '../http/auth.js';
import { describeIssues, sendError } from '../http/httpErrors.js';
import { SignallingConnection, type EnterRoom, type SignallingOptions } from './SignallingConnection.js';
import { authenticateSocket, type RawMessage } from './socketAuthentication.js';

const WsQuery = z.object({ token: z.string().min(1).max(4096).optional() }).strict();

/** How long a socket opened without a token may wait for its `authenticate`: a user on the join form has this long to join before the page opens another. */
export const AUTHENTICATE_TIMEOUT_MS = 60_000;

export interface SignallingRouteDeps {
  rooms: RoomRegistry;
  tokens: TokenIssuer;
  options: SignallingOptions;
  logger: Logger;
}

export function registerSignallingRoute(app: FastifyInstance, deps: SignallingRouteDeps): void {
  const grants = new WeakMap<FastifyRequest, ParticipantGrant>();
  const connect = (socket: WebSocket, grant: ParticipantGrant, early?: RawMessage[]): void => {
    const enter: EnterRoom = (channel) =>
      deps.rooms.use(grant.room, async (room) => ({ room, ...(await room.connect(grant.participantId, grant.name, channel)) }));
    new SignallingConnection(socket, enter, grant, deps.options, deps.logger).start(early);
  };
  app.get(
    '/ws',
    {
      websocket: true,
      preValidation: async (request, reply) => {
        if (!request.ws) return sendError(reply, 'upgrade_required', 'GET /ws takes a WebSocket upgrade');
        const query = WsQuery.safeParse(request.query);
        if (!query.success) return sendError(reply, 'invalid_request', describeIssues(query.error));
        if (query.data.token === undefined) return;
        const auth = await checkToken(deps.tokens, query.data.token);
        if (!auth.ok) return sendError(reply, auth.code, auth.reason);
        grants.set(request, auth.grant);
      },
    },
    (socket, request) => {
      const grant = grants.get(request);
      if (grant) return connect(socket, grant);
      const hello: ServerMessage = { type: 'hello', protocolVersion: PROTOCOL_VERSION, video: deps.options.video };
      socket.send(JSON.stringify(hello));
      void authenticateSocket(socket, deps.tokens, AUTHENTICATE_TIMEOUT_MS).then((authenticated) => {
        if (authenticated) connect(socket, authenticated.grant, authenticated.early);
      });
    },
  );
}
