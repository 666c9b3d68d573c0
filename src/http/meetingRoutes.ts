/**
 * The seed's meeting endpoints: `/joinCall` hands out a participant and its
 * token (a host's, with the operator's secret), `/idLookup` names a
 * participant of the caller's own room.
 */
import type { FastifyInstance } from 'fastify';
import { IdLookupQuery, JoinCallRequest, type IdLookupReply, type JoinCallReply } from '../protocol/http.js';
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import { newParticipantId } from '../rooms/Participant.js';
import type { TokenIssuer } from '../auth/tokens.js';
import { authenticate, TOKEN_COOKIE } from './auth.js';
import { describeIssues, sendError } from './httpErrors.js';
import { rateLimitPerAddressAndRoom } from './rateLimits.js';
import type { RoomAccess } from './RoomAccess.js';
import { hasSecret } from './secrets.js';
import type { IceServer, IceTransportPolicy, VideoPublishing } from '../protocol/messages.js';

export interface MeetingRouteDeps {
  rooms: RoomRegistry;
  tokens: TokenIssuer;
  tokenTtlSeconds: number;
  access: RoomAccess;
  joinsPerMinute: number;
  /** ADMIN_SECRET: a `/joinCall` with `host: true` must carry it. */
  adminSecret: string | undefined;
  /** What a page is told to start its media with: ICE (see signalling/browserIce.ts), video publishing, a muted microphone. */
  pageSettings: { iceServersFor(participantId: string): IceServer[]; iceTransportPolicy: IceTransportPolicy; video: VideoPublishing; startMutedAudio: boolean };
}

export function registerMeetingRoutes(app: FastifyInstance, deps: MeetingRouteDeps): void {
  const limit = rateLimitPerAddressAndRoom(app, {
    perMinute: deps.joinsPerMinute,
    what: 'joins',
    roomOf: (request) => {
      const parsed = JoinCallRequest.safeParse(request.body ?? {});
      return parsed.success ? parsed.data.room : undefined;
    },
  });
  app.post('/joinCall', { onRequest: limit.perAddress, preHandler: limit.perRoom }, async (request, reply) => {
    const parsed = JoinCallRequest.safeParse(request.body ?? {});
    if (!parsed.success) return sendError(reply, 'invalid_request', describeIssues(parsed.error));
    const { room: roomName, name, password, host } = parsed.data;
    if (host && !(deps.adminSecret && hasSecret(request, deps.adminSecret))) {
      return sendError(reply, 'unauthorized', 'joining as a host takes Authorization: Bearer <ADMIN_SECRET>');
    }
    const participantId = newParticipantId();
    const access = await deps.access.admit(roomName, password);
    if (!access.ok) return sendError(reply, access.code, access.reason);
    await deps.rooms.use(roomName, (room) => room.invite(participantId, name, access.access, host));
    const token = await deps.tokens.issue({ participantId, room: roomName, name });
    void reply.header(
      'set-cookie',
      `${TOKEN_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${deps.tokenTtlSeconds}`,
    );
    const body: JoinCallReply = {
      participantId,
      token,
      room: roomName,
      message: `joined room ${roomName}`,
      iceServers: deps.pageSettings.iceServersFor(participantId),
      iceTransportPolicy: deps.pageSettings.iceTransportPolicy,
      video: deps.pageSettings.video,
      startMutedAudio: deps.pageSettings.startMutedAudio,
    };
    return body;
  });

  app.get('/idLookup', async (request, reply) => {
    const query = IdLookupQuery.safeParse(request.query);
    if (!query.success) return sendError(reply, 'invalid_request', describeIssues(query.error));
    const auth = await authenticate(request, deps.tokens);
    if (!auth.ok) return sendError(reply, auth.code, auth.reason);
    // Only the caller's own room is searched: ids of other rooms are simply unknown here.
    const name = await deps.rooms.lookupName(auth.grant.room, query.data.id);
    if (name === undefined) return sendError(reply, 'not_found', 'no participant with that id in your room');
    const body: IdLookupReply = { attendee: name };
    return body;
  });
}
