/**
 * `/endPSTNCall` from any app server. A phone call lives on the app server
 * that placed it, but every server sees it in the room directory as a
 * phone member carrying its call (`MemberRecord.info.call`). So the server
 * that gets the request picks the room's live calls from the directory and
 * sends the `hangUp` room event; each server hangs up those it holds, and
 * their end is reported as any call's end (member updates, then `left`).
 */
import type { MemberRecord } from '../cluster/records.js';
import type { RoomDirectory } from '../cluster/RoomDirectory.js';
import { isCallOver, type PhoneCall } from '../telephony/PhoneCall.js';

/** The ids of the room's calls still in progress among its members; only `callId`, when given. */
export function liveCallIds(members: readonly MemberRecord[], callId: string | undefined): string[] {
  return members
    .flatMap(({ info }) => (info.call && !isCallOver(info.call.state) ? [info.call.callId] : []))
    .filter((id) => callId === undefined || id === callId);
}

/** Hangs up this server's calls among `callIds`; the others are held by other servers. */
export function hangUpHeld(calls: readonly PhoneCall[], callIds: readonly string[]): void {
  const wanted = new Set(callIds);
  for (const call of calls) if (wanted.has(call.id)) call.hangUp();
}

/** What hanging up a room's calls needs: the directory, and the room here, if this server holds some of it. */
export interface HangUpDeps {
  directory: RoomDirectory;
  localRoom: (room: string) => { phones: { hangUpHere(callIds: string[]): Promise<void> } } | undefined;
}

/**
 * Hangs up the room's live calls (only `callId`, when given) wherever they
 * are held; resolves with their ids, empty when there was none.
 */
export async function hangUpRoomCalls(deps: HangUpDeps, room: string, callId: string | undefined): Promise<string[]> {
  const callIds = liveCallIds((await deps.directory.snapshot(room)).members, callId);
  if (callIds.length === 0) return callIds;
  await deps.directory.publish(room, { type: 'hangUp', callIds });
  // A server does not hear its own events (see RoomDirectory.subscribe): it hangs up what it holds itself.
  await deps.localRoom(room)?.phones.hangUpHere(callIds);
  return callIds;
}
