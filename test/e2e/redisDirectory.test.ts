/**
 * The Redis room directory between two app servers' worth of clients, on a
 * real redis-server: what one writes the other reads, events cross over,
 * a silent server's members become orphans, and bad records are skipped.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createClient } from '@redis/client';
import { RedisRoomDirectory } from '../../src/cluster/RedisRoomDirectory.js';
import type { EventEnvelope, MemberRecord } from '../../src/cluster/records.js';
import { startRedis, type TestRedis } from '../support/cluster/redisServer.js';
import { waitFor } from '../support/meetingPage.js';

const logger = pino({ level: 'silent' });

function member(directory: RedisRoomDirectory, participantId: string, name: string): MemberRecord {
  return { info: { participantId, name, kind: 'browser', audioMuted: false, videoMuted: false }, server: directory.serverId, present: true };
}

describe('the Redis room directory', () => {
  let dir: string;
  let redis: TestRedis;
  let one: RedisRoomDirectory;
  let two: RedisRoomDirectory;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'convene-redis-'));
    redis = await startRedis(dir);
    [one, two] = await Promise.all([RedisRoomDirectory.connect(redis.url, logger), RedisRoomDirectory.connect(redis.url, logger)]);
  });

  after(async () => {
    await two?.close();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the members one server saves to the other, and forgets them on removal', async () => {
    await one.saveMember('r1', member(one, 'participant-a1', 'Ann'));
    assert.equal((await two.findMember('r1', 'participant-a1'))?.info.name, 'Ann');
    assert.equal(await two.findMember('r2', 'participant-a1'), undefined, 'rooms are separate');
    await one.removeMember('r1', 'participant-a1');
    assert.equal(await two.findMember('r1', 'participant-a1'), undefined);
  });

  it('places a room on one node until the cap, then on the least loaded other node', async () => {
    const nodes = ['ws://n1', 'ws://n2'];
    assert.equal(await one.place('r3', 'participant-p1', nodes, 2), 'ws://n1');
    assert.equal(await two.place('r3', 'participant-p2', nodes, 2), 'ws://n1');
    assert.equal(await two.place('r3', 'participant-p3', nodes, 2), 'ws://n2');
    const loads = await one.nodeLoads();
    assert.equal(loads.get('ws://n1'), 2);
    assert.equal(loads.get('ws://n2'), 1);
  });

  it('carries room events to the other server but not back to the sender', async () => {
    const heardByTwo: EventEnvelope[] = [];
    const heardByOne: EventEnvelope[] = [];
    const stopTwo = await two.subscribe('r4', (envelope) => heardByTwo.push(envelope));
    const stopOne = await one.subscribe('r4', (envelope) => heardByOne.push(envelope));
    await one.publish('r4', { type: 'ended', reason: 'done' });
    await waitFor(async () => heardByTwo.length, (count) => count > 0, 2_000, 20);
    assert.deepEqual(heardByTwo, [{ from: one.serverId, event: { type: 'ended', reason: 'done' } }]);
    assert.deepEqual(heardByOne, []);
    await stopOne();
    await stopTwo();
  });

  it('refuses revoked participants until the revocation expires', async () => {
    await one.revoke('participant-r1', 60);
    assert.equal(await two.isRevoked('participant-r1'), true);
    assert.equal(await two.isRevoked('participant-r2'), false);
  });

  it('skips records that do not parse instead of failing the room', async () => {
    await one.saveMember('r5', member(one, 'participant-g1', 'Gil'));
    const raw = createClient({ url: redis.url });
    await raw.connect();
    await raw.hSet('convene:room:r5', { 'm:participant-bad1': '{"info":', 'f:participant-bad1:camera': '{"feed":"x"}' });
    raw.destroy();
    const snapshot = await two.snapshot('r5');
    assert.deepEqual(snapshot.members.map((m) => m.info.name), ['Gil']);
    assert.deepEqual(snapshot.feeds, []);
  });

  it('treats the members of a server that stopped as orphans, and leaves them out of the room', async () => {
    await one.saveMember('r6', member(one, 'participant-o1', 'Olga'));
    await two.saveMember('r6', member(two, 'participant-o2', 'Otto'));
    await one.close();
    assert.deepEqual(await two.orphans('r6'), ['participant-o1']);
    assert.deepEqual((await two.snapshot('r6')).members.map((m) => m.info.name), ['Otto']);
    assert.equal(await two.findMember('r6', 'participant-o1'), undefined);
  });
});
