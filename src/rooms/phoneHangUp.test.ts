/**
 * Which calls `/endPSTNCall` hangs up: the room's calls still in progress,
 * as the directory lists its phone members, whichever server holds them;
 * the `hangUp` event goes to the other servers and this server's room.
 * The directory here is the in-memory one with a recording `publish`; the
 * real calls and two app servers are in test/e2e/phoneHangUp.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRoomDirectory } from '../cluster/MemoryRoomDirectory.js';
import type { MemberRecord, RoomEvent } from '../cluster/records.js';
import type { RoomDirectory } from '../cluster/RoomDirectory.js';
import type { CallState } from '../protocol/messages.js';
import { hangUpRoomCalls, liveCallIds } from './phoneHangUp.js';

function phone(participantId: string, callId: string, state: CallState, server = 'server-a'): MemberRecord {
  return { info: { participantId, name: participantId, kind: 'phone', audioMuted: false, videoMuted: true, call: { callId, state } }, server, present: true };
}

const browser: MemberRecord = { info: { participantId: 'page-0001', name: 'Ann', kind: 'browser', audioMuted: false, videoMuted: false }, server: 'server-a', present: true };
const members = [browser, phone('phone-0001', 'call-ringing', 'ringing'), phone('phone-0002', 'call-answered', 'answered', 'server-b'), phone('phone-0003', 'call-failed', 'failed')];

describe('hanging up phone calls across app servers', () => {
  it('picks the calls still in progress, on any server, and only the one asked for', () => {
    assert.deepEqual(liveCallIds(members, undefined), ['call-ringing', 'call-answered']);
    assert.deepEqual(liveCallIds(members, 'call-answered'), ['call-answered']);
    assert.deepEqual(liveCallIds(members, 'call-failed'), [], 'a failed call is over');
    assert.deepEqual(liveCallIds(members, 'no-such-call'), []);
  });

  it('tells the other servers, then this server’s room, and sends nothing when there is no such call', async () => {
    const directory: RoomDirectory = new MemoryRoomDirectory();
    for (const member of members) await directory.saveMember('alpha', member);
    const steps: string[] = [];
    directory.publish = async (room: string, event: RoomEvent) => {
      steps.push(`publish ${room} ${JSON.stringify(event)}`);
    };
    const localRoom = (room: string) => ({
      phones: {
        hangUpHere: async (callIds: string[]) => {
          steps.push(`here ${room} ${callIds.join(',')}`);
        },
      },
    });
    assert.deepEqual(await hangUpRoomCalls({ directory, localRoom }, 'alpha', 'no-such-call'), []);
    assert.deepEqual(await hangUpRoomCalls({ directory, localRoom }, 'beta', undefined), [], 'another room has none of them');
    assert.deepEqual(steps, []);
    assert.deepEqual(await hangUpRoomCalls({ directory, localRoom }, 'alpha', undefined), ['call-ringing', 'call-answered']);
    assert.deepEqual(steps, ['publish alpha {"type":"hangUp","callIds":["call-ringing","call-answered"]}', 'here alpha call-ringing,call-answered']);
  });
});
