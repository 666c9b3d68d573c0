/**
 * The seed's phone endpoints. `/startPSTNCall` and `/endPSTNCall` act for
 * a participant, in the room of their token; `/Callbacks/answer` is for an
 * external call-control system and needs the callback secret.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AnswerCallbackRequest,
  EndPstnCallRequest,
  StartPstnCallRequest,
  type EndPstnCallReply,
  type StartPstnCallReply,
} from '../protocol/http.js';
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import type { TokenIssuer } from '../auth/tokens.js';
import type { Telephony } from '../telephony/Telephony.js';
import { authenticate } from './auth.js';
import { describeIssues, sendError } from './httpErrors.js';
import { hasSecret } from './secrets.js';
import { rateLimitPerAddressAndRoom } from './rateLimits.js';
import type { RoomAccess } from './RoomAccess.js';

export interface TelephonyRouteDeps {
  rooms: RoomRegistry;
  tokens: TokenIssuer;
  telephony: Telephony | undefined;
  callbackSecret: string | undefined;
  access: RoomAccess;
  dialsPerMinute: number;
}

const NOT_CONFIGURED = 'phone dial-out is not configured on this server (set SIP_TRUNK_URI)';

export function registerTelephonyRoutes(app: FastifyInstance, deps: TelephonyRouteDeps): void {
  const limit = rateLimitPerAddressAndRoom(app, {
    perMinute: deps.dialsPerMinute,
    what: 'calls',
    // The token's room, and only a verified one: forged tokens must not use up a real room's calls.
    roomOf: async (request) => {
      const auth = await authenticate(request, deps.tokens);
      return auth.ok ? auth.grant.room : undefined;
    },
  });
  app.post('/startPSTNCall', { onRequest: limit.perAddress, preHandler: limit.perRoom }, async (request, reply) => {
    const parsed = StartPstnCallRequest.safeParse(request.body ?? {});
    if (!parsed.success) return sendError(reply, 'invalid_request', describeIssues(parsed.error));
    const auth = await authenticate(request, deps.tokens);
    if (!auth.ok) return sendError(reply, auth.code, auth.reason);
    if (parsed.data.room !== undefined && parsed.data.room !== auth.grant.room) {
      return sendError(reply, 'forbidden', 'your token is for another room');
    }
    const telephony = deps.telephony;
    if (!telephony) return sendError(reply, 'telephony_unavailable', NOT_CONFIGURED);
    const number = parsed.data.number ?? telephony.defaultNumber;
    if (!number) return sendError(reply, 'invalid_request', 'number: required (no default dial_number is configured)');
    if (!telephony.mayDial(number)) return sendError(reply, 'number_not_allowed', `${number} is not on this server's list of dialable numbers`);
    const members = await deps.rooms.memberCount(auth.grant.room);
    if (members === 0) return sendError(reply, 'not_found', 'your room has ended; join again');
    const space = deps.access.hasRoomFor(members);
    if (!space.ok) return sendError(reply, space.code, space.reason);
    const call = telephony.createCall(number, parsed.data.name, auth.grant.room);
    try {
      const { participantId } = await deps.rooms.use(auth.grant.room, (room) => room.phones.dialOut(call, parsed.data.name));
      const body: StartPstnCallReply = { status: 'ringing', callId: call.id, participantId };
      return body;
    } catch (error) {
      call.fail('the call could not be placed');
      throw error;
    }
  });

  const endCall = async (request: FastifyRequest, reply: FastifyReply, input: unknown): Promise<unknown> => {
    const parsed = EndPstnCallRequest.safeParse(input ?? {});
    if (!parsed.success) return sendError(reply, 'invalid_request', describeIssues(parsed.error));
    const auth = await authenticate(request, deps.tokens);
    if (!auth.ok) return sendError(reply, auth.code, auth.reason);
    // The room's calls on every app server, not only this one's.
    const callIds = await deps.rooms.hangUpCalls(auth.grant.room, parsed.data.callId);
    if (parsed.data.callId !== undefined && callIds.length === 0) return sendError(reply, 'not_found', 'no such call in your room');
    const body: EndPstnCallReply = { status: 'hungup', callIds };
    return body;
  };
  app.post('/endPSTNCall', (request, reply) => endCall(request, reply, request.body));
  // The seed calls it with GET and no body. No HEAD twin: a HEAD must not hang up calls.
  app.get('/endPSTNCall', { exposeHeadRoute: false }, (request, reply) => endCall(request, reply, request.query));

  app.post('/Callbacks/answer', async (request, reply) => {
    if (!deps.callbackSecret) return sendError(reply, 'forbidden', 'the answer callback is disabled (set CALLBACK_SECRET)');
    if (!hasSecret(request, deps.callbackSecret)) return sendError(reply, 'unauthorized', 'Authorization: Bearer <CALLBACK_SECRET> is required');
    const parsed = AnswerCallbackRequest.safeParse(request.body ?? {});
    if (!parsed.success) return sendError(reply, 'invalid_request', describeIssues(parsed.error));
    const call = deps.telephony?.find(parsed.data.callId);
    if (!call) return sendError(reply, 'not_found', 'no call in progress with that id');
    const answered = await call.answer(parsed.data.sdp);
    if (!answered.ok) return sendError(reply, 'conflict', answered.problem);
    return { status: 'bridged', callId: call.id };
  });
}
