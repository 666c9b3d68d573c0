/**
 * A room that cannot be created (its directory read fails) is forgotten
 * at once: the next join opens it afresh instead of waiting on the broken
 * one. The directory is the in-memory one; only its first read is made to
 * fail (a stand-in for Redis dropping the connection at that moment).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { JanusPool } from '../media/JanusPool.js';
import { MemoryRoomDirectory } from '../cluster/MemoryRoomDirectory.js';
import { MediaPlacement } from '../cluster/MediaPlacement.js';
import { uncountedFailures } from '../support/failures.js';
import { RoomRegistry } from './RoomRegistry.js';

const SETTINGS = {
  reconnectGraceMs: 1_000,
  invitationTtlMs: 60_000,
  tokenTtlSeconds: 60,
  maxDurationMs: 60_000,
  dialInNumber: '',
  maxPublishers: 10,
  bitrateBps: 256_000,
};

describe('RoomRegistry', () => {
  it('forgets a room whose creation failed, so it can be joined again at once', async () => {
    const logger = pino({ level: 'silent' });
    const directory = new MemoryRoomDirectory();
    const realSnapshot = directory.snapshot.bind(directory);
    let failNextRead = true;
    directory.snapshot = async (room) => {
      if (!failNextRead) return realSnapshot(room);
      failNextRead = false;
      throw new Error('the directory dropped the connection');
    };
    const pool = new JanusPool([], undefined, logger);
    const rooms = new RoomRegistry({ pool, directory, placement: new MediaPlacement(pool, directory, 0), settings: SETTINGS, failures: uncountedFailures(logger) });
    try {
      await assert.rejects(rooms.use('alpha', (room) => room.invite('participant-01', 'Ann')), /dropped the connection/);
      assert.equal(rooms.count, 0, 'the failed room is not kept');
      await rooms.use('alpha', (room) => room.invite('participant-02', 'Bo'));
      assert.equal(rooms.get('alpha')?.size, 1, 'the next join opens the room and is in it');
      assert.equal((await directory.findMember('alpha', 'participant-02'))?.info.name, 'Bo');
    } finally {
      await rooms.shutdown();
    }
  });
});
