/**
 * The Redis room directory between two app servers' worth of clients, on a
 * real redis-server: what one writes the other reads, events cross over in
 * order with their versions, a silent server's members become orphans, bad
 * records are skipped, and changes that race each other never leave a
 * ghost member or a stale placement behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createClient } from '@redis/client';
import { RedisRoomDirectory } from '../../src/cluster/RedisRoomDirectory.js';
import type { RoomDirectory, RoomSnapshot } from '../../src/cluster/RoomDirectory.js';
import type { EventEnvelope, MemberRecord, RoomEvent } from '../../src/cluster/records.js';
import { RoomSync, type RoomView } from '../../src/rooms/RoomSync.js';
import { uncountedFailures } from '../../src/support/failures.js';
import { startRedis, type TestRedis } from '../support/cluster/redisServer.js';
import { waitFor } from '../support/meetingPage.js';

const failures = uncountedFailures(pino({ level: 'silent' }));
const connect = (url: string): Promise<RedisRoomDirectory> => RedisRoomDirectory.connect(url, failures, 5_000);

function member(server: RoomDirectory, participantId: string, name: string): MemberRecord {
  return { info: { participantId, name, kind: 'browser', audioMuted: false, videoMuted: false }, server: server.serverId, present: true };
}

/** The room's hash as Redis holds it, read with a client of its own. */
async function rawRoom(url: string, room: string): Promise<Record<string, string>> {
  const raw = createClient({ url });
  await raw.connect();
  try {
    return await raw.hGetAll(`convene:room:${room}`);
  } finally {
    raw.destroy();
  }
}

/** A room's members as a RoomSync keeps them: what the snapshot lists, then every event applied after it. */
class MembersView implements RoomView {
  readonly members = new Set<string>();
  applySnapshot(snapshot: RoomSnapshot): void {
    this.members.clear();
    for (const m of snapshot.members) this.members.add(m.info.participantId);
  }
  applyEvent(event: RoomEvent): void {
    if (event.type === 'member') this.members.add(event.member.info.participantId);
    if (event.type === 'left') this.members.delete(event.participantId);
  }
}

describe('the Redis room directory', () => {
  let dir: string;
  let redis: TestRedis;
  let one: RedisRoomDirectory;
  let two: RedisRoomDirectory;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'convene-redis-'));
    redis = await startRedis(dir);
    [one, two] = await Promise.all([connect(redis.url), connect(redis.url)]);
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
    assert.equal(await one.removeMember('r1', 'participant-a1', one.serverId), true);
    assert.equal(await two.findMember('r1', 'participant-a1'), undefined);
  });

  it('places a room on one node until the cap, then on the least loaded other node', async () => {
    const nodes = ['ws://n1', 'ws://n2'];
    for (const id of ['participant-p1', 'participant-p2', 'participant-p3']) await one.saveMember('r3', member(one, id, id));
    assert.equal(await one.place('r3', 'participant-p1', nodes, 2), 'ws://n1');
    assert.equal(await two.place('r3', 'participant-p2', nodes, 2), 'ws://n1');
    assert.equal(await two.place('r3', 'participant-p3', nodes, 2), 'ws://n2');
    const loads = await one.nodeLoads();
    assert.equal(loads.get('ws://n1'), 2);
    assert.equal(loads.get('ws://n2'), 1);
  });

  it('keeps the cap when two servers place twenty participants of one room at the same moment', async () => {
    const nodes = ['ws://c1', 'ws://c2', 'ws://c3', 'ws://c4', 'ws://c5'];
    const ids = Array.from({ length: 20 }, (_, i) => `participant-cap${i}`);
    for (const id of ids) await one.saveMember('r-cap', member(one, id, id));
    const placed = await Promise.all(ids.map((id, i) => (i % 2 === 0 ? one : two).place('r-cap', id, nodes, 4)));
    const perNode = new Map<string, number>();
    for (const node of placed) perNode.set(node!, (perNode.get(node!) ?? 0) + 1);
    assert.deepEqual([...perNode.values()], [4, 4, 4, 4, 4], `four per node: ${JSON.stringify([...perNode])}`);
  });

  it('carries room events to the other server, in order and with their versions, but not back to the sender', async () => {
    const heardByTwo: EventEnvelope[] = [];
    const heardByOne: EventEnvelope[] = [];
    const stopTwo = await two.subscribe('r4', (envelope) => heardByTwo.push(envelope));
    const stopOne = await one.subscribe('r4', (envelope) => heardByOne.push(envelope));
    await one.saveMember('r4', member(one, 'participant-e1', 'Eve'));
    await one.publish('r4', { type: 'ended', reason: 'done' });
    await waitFor(async () => heardByTwo.length, (count) => count >= 2, 2_000, 20);
    assert.deepEqual(
      heardByTwo.map((envelope) => [envelope.version, envelope.from, envelope.event.type]),
      [
        [1, one.serverId, 'member'],
        [2, one.serverId, 'ended'],
      ],
    );
    assert.equal((await two.snapshot('r4')).version, 2, 'a snapshot says how far it goes');
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

  describe('changes that race', () => {
    it('a removal by the server a page left never drops the member another server has just taken over', async () => {
      for (let round = 0; round < 50; round++) {
        const id = `participant-race${round}`;
        await one.saveMember('r-race', member(one, id, 'Rae'));
        // The page moves to server two while server one, its grace over, removes it: either order, in parallel.
        const [removed] = await Promise.all([one.removeMember('r-race', id, one.serverId), two.saveMember('r-race', member(two, id, 'Rae'))]);
        const kept = await two.findMember('r-race', id);
        assert.equal(kept?.server, two.serverId, `round ${round}: server two holds the member (removal said ${removed})`);
      }
      assert.equal(await one.removeMember('r-race', 'participant-race0', one.serverId), false, 'a removal for a member held elsewhere changes nothing');
      assert.equal((await two.findMember('r-race', 'participant-race0'))?.server, two.serverId);
    });

    it('keeps the room\'s password while any member is left, even one saved as the last one is removed', async () => {
      await one.saveMember('r-access', member(one, 'participant-acc1', 'Ann'));
      await one.openRoom('r-access', 'digest-of-the-password');
      // Bo was admitted with the password while Ann, the last one in, was leaving: whichever lands first, Bo's room keeps it.
      const admitted = await two.openRoom('r-access', 'digest-of-the-password');
      await Promise.all([
        one.removeMember('r-access', 'participant-acc1', one.serverId),
        two.saveMember('r-access', member(two, 'participant-acc2', 'Bo'), { access: admitted }),
      ]);
      assert.deepEqual((await two.snapshot('r-access')).members.map((m) => m.info.name), ['Bo']);
      assert.equal(await two.openRoom('r-access', ''), 'digest-of-the-password', 'the room still asks for its password');
    });

    it('a placement that finishes after its member was removed writes nothing back', async () => {
      for (let round = 0; round < 30; round++) {
        const id = `participant-late${round}`;
        await one.saveMember('r-late', member(one, id, 'Lee'));
        await Promise.all([one.place('r-late', id, ['ws://late'], 0), one.removeMember('r-late', id, one.serverId)]);
        assert.equal((await rawRoom(redis.url, 'r-late'))[`n:${id}`], undefined, `round ${round}: no placement without its member`);
      }
      await one.saveMember('r-late', member(one, 'participant-gone', 'Gus'));
      await one.removeMember('r-late', 'participant-gone', one.serverId);
      assert.equal(await one.place('r-late', 'participant-gone', ['ws://late'], 0), undefined, 'placing a member that left answers that it left');
      assert.equal((await one.nodeLoads()).get('ws://late') ?? 0, 0, 'and no server counts anyone on the node');
    });

    it('a snapshot read while a member leaves never brings that member back', async () => {
      // The directory is real; only the moment of the removal is chosen, right after the snapshot is read
      // and before it is applied, so the `left` event arrives while the snapshot is on its way.
      for (const removeDuringRead of [true, false]) {
        const id = removeDuringRead ? 'participant-snap1' : 'participant-snap2';
        await one.saveMember('r-snap', member(one, id, 'Sam'));
        const timed: RoomDirectory = Object.create(two) as RoomDirectory;
        timed.snapshot = async (room) => {
          if (!removeDuringRead) await one.removeMember('r-snap', id, one.serverId);
          const snapshot = await two.snapshot(room);
          if (removeDuringRead) {
            await one.removeMember('r-snap', id, one.serverId);
            // The event is published by the same step as the removal: wait until it reached this server.
            await waitFor(async () => heard.some((e) => e.event.type === 'left'), (seen) => seen, 2_000, 10);
          }
          return snapshot;
        };
        const heard: EventEnvelope[] = [];
        const stopHearing = await two.subscribe('r-snap', (envelope) => heard.push(envelope));
        const view = new MembersView();
        const sync = await RoomSync.start(timed, 'r-snap', view, async (change) => change());
        assert.deepEqual([...view.members], [], `no ghost of ${id} (${removeDuringRead ? 'left while the snapshot was read' : 'left before'})`);
        await sync.stop();
        await stopHearing();
      }
    });
  });

  it('treats the members of a server that stopped as orphans, and leaves them out of the room', async () => {
    await one.saveMember('r6', member(one, 'participant-o1', 'Olga'));
    await two.saveMember('r6', member(two, 'participant-o2', 'Otto'));
    await one.close();
    assert.deepEqual(await two.orphans('r6'), [{ participantId: 'participant-o1', server: one.serverId }]);
    assert.deepEqual((await two.snapshot('r6')).members.map((m) => m.info.name), ['Otto']);
    assert.equal(await two.findMember('r6', 'participant-o1'), undefined);
    assert.equal(await two.isAlive(one.serverId), false);
  });
});
