/**
 * Room PINs in both room directories: the memory one of a lone server, and
 * the Redis one between two app servers on a real redis-server. A room has
 * one PIN however many servers ask at once, any server finds the room by
 * it, a PIN another room holds is never handed out twice, the PIN goes
 * with the room's last member, and a room claims its PIN again after Redis
 * lost its data.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createClient } from '@redis/client';
import { RedisRoomDirectory } from '../../src/cluster/RedisRoomDirectory.js';
import { MemoryRoomDirectory } from '../../src/cluster/MemoryRoomDirectory.js';
import type { RoomDirectory } from '../../src/cluster/RoomDirectory.js';
import type { MemberRecord } from '../../src/cluster/records.js';
import { isPin, newPin } from '../../src/cluster/roomPins.js';
import { uncountedFailures } from '../../src/support/failures.js';
import { DialInPin } from '../../src/rooms/DialInPin.js';
import { startRedis, type TestRedis } from '../support/cluster/redisServer.js';

const failures = uncountedFailures(pino({ level: 'silent' }));

function member(server: RoomDirectory, participantId: string): MemberRecord {
  return { info: { participantId, name: participantId, kind: 'browser', audioMuted: false, videoMuted: false }, server: server.serverId, present: true };
}

/** Draws `first` once, then fresh PINs: a collision with a PIN already taken. */
function collidingDraw(first: string): () => string {
  let drawn = 0;
  return () => (drawn++ === 0 ? first : newPin());
}

/** The same checks for either directory; `one` and `two` stand for two app servers (the same object when alone). */
function pinChecks(servers: () => { one: RoomDirectory; two: RoomDirectory }, pinKeyExists?: (pin: string) => Promise<boolean>): void {
  it('gives a room one PIN however many servers ask at once, and finds the room by it from any server', async () => {
    const { one, two } = servers();
    await one.saveMember('standup', member(one, 'ann'));
    const pins = await Promise.all([one.roomPin('standup', newPin), two.roomPin('standup', newPin), two.roomPin('standup', newPin)]);
    assert.ok(isPin(pins[0]!), `an ${pins[0]!.length}-digit PIN`);
    assert.deepEqual(new Set(pins), new Set([pins[0]]), 'one PIN for the room');
    assert.equal(await two.roomOfPin(pins[0]!), 'standup');
    const other = pins[0] === '00000000' ? '11111111' : '00000000';
    assert.equal(await one.roomOfPin(other), undefined, 'another PIN names no room');
  });

  it('never hands out a PIN another room holds: it draws again', async () => {
    const { one, two } = servers();
    const taken = await one.roomPin('standup', newPin);
    await two.saveMember('retro', member(two, 'bob'));
    const pin = await two.roomPin('retro', collidingDraw(taken));
    assert.notEqual(pin, taken);
    assert.equal(await one.roomOfPin(taken), 'standup', 'the first room keeps its PIN');
    assert.equal(await one.roomOfPin(pin), 'retro');
  });

  it('lets the PIN go with the room’s last member', async () => {
    const { one, two } = servers();
    const pin = await one.roomPin('retro', newPin);
    assert.equal(await two.removeMember('retro', 'bob', two.serverId), true);
    assert.equal(await one.roomOfPin(pin), undefined);
    if (pinKeyExists) assert.equal(await pinKeyExists(pin), false, 'its key is deleted, not left to expire');
  });
}

describe('room PINs in the memory directory', () => {
  const alone = new MemoryRoomDirectory();
  pinChecks(() => ({ one: alone, two: alone }));
});

describe('room PINs in the Redis directory', () => {
  let dir: string;
  let redis: TestRedis;
  let one: RedisRoomDirectory;
  let two: RedisRoomDirectory;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'convene-pins-'));
    redis = await startRedis(dir);
    [one, two] = await Promise.all([RedisRoomDirectory.connect(redis.url, failures, 5_000), RedisRoomDirectory.connect(redis.url, failures, 5_000)]);
  });

  /** Redis loses everything, as a restart without persistence does. */
  async function flush(): Promise<void> {
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      await raw.flushAll();
    } finally {
      raw.destroy();
    }
  }

  after(async () => {
    await one?.close();
    await two?.close();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('claims the same PIN again after Redis lost its data, or a new one when another room took it meanwhile', async () => {
    await one.saveMember('planning', member(one, 'carol'));
    const pin = new DialInPin('planning', one, '+15550100200');
    await pin.claim();
    const before = pin.message()!.pin;
    await flush();
    await one.saveMember('planning', member(one, 'carol'));
    assert.equal(await pin.reclaim(), false, 'the PIN is free: the room takes it again');
    assert.equal(await two.roomOfPin(before), 'planning');
    await flush();
    await two.saveMember('design', member(two, 'dan'));
    assert.equal(await two.roomPin('design', () => before), before, 'another room takes it meanwhile');
    await one.saveMember('planning', member(one, 'carol'));
    assert.equal(await pin.reclaim(), true, 'the room gets a new PIN');
    assert.notEqual(pin.message()!.pin, before);
    assert.equal(await two.roomOfPin(pin.message()!.pin), 'planning');
  });

  pinChecks(
    () => ({ one, two }),
    async (pin) => {
      const raw = createClient({ url: redis.url });
      await raw.connect();
      try {
        return (await raw.exists(`convene:pin:${pin}`)) === 1;
      } finally {
        raw.destroy();
      }
    },
  );
});
