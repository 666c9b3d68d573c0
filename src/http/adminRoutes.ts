/**
 * Operator endpoints, behind ADMIN_SECRET. `/endSession` is the seed's:
 * it ends a room, removing everyone and hanging up its phones.
 */
import type { FastifyInstance } from 'fastify';
import { EndSessionRequest } from '../protocol/http.js';
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import { describeIssues, sendError } from './httpErrors.js';
import { hasSecret } from './secrets.js';

export function registerAdminRoutes(app: FastifyInstance, deps: { rooms: RoomRegistry; adminSecret: string | undefined }): void {
  app.post('/endSession', async (request, reply) => {
    if (!deps.adminSecret) return sendError(reply, 'forbidden', 'admin endpoints are disabled (set ADMIN_SECRET)');
    if (!hasSecret(request, deps.adminSecret)) return sendError(reply, 'unauthorized', 'Authorization: Bearer <ADMIN_SECRET> is required');
    const parsed = EndSessionRequest.safeParse(request.body ?? {});
    if (!parsed.success) return sendError(reply, 'invalid_request', describeIssues(parsed.error));
    if ((await deps.rooms.memberCount(parsed.data.room)) === 0) return sendError(reply, 'not_found', 'no such room in progress');
    const phones = await deps.rooms.use(parsed.data.room, async (room) => {
      const ringing = room.phones.calls().filter((call) => !call.isOver).length;
      await room.end('the meeting was ended by the operator');
      return ringing;
    });
    return { status: 'ended', room: parsed.data.room, phonesHungUp: phones };
  });
}
