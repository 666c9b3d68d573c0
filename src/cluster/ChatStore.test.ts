import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage } from '../protocol/messages.js';
import { CHAT_HISTORY_LENGTH, MemoryChatStore } from './ChatStore.js';

const message = (n: number): ChatMessage => ({ id: `m${n}`, from: 'participant-1', fromName: 'Ann', text: `message ${n}`, sentAt: n });

describe('MemoryChatStore', () => {
  it(`keeps a room's last ${CHAT_HISTORY_LENGTH} messages, oldest first, apart from other rooms'`, async () => {
    const store = new MemoryChatStore(() => true);
    for (let n = 0; n < CHAT_HISTORY_LENGTH + 5; n++) await store.append('a', message(n));
    await store.append('b', message(1_000));
    const kept = await store.history('a');
    assert.equal(kept.length, CHAT_HISTORY_LENGTH);
    assert.equal(kept[0]?.id, 'm5');
    assert.equal(kept.at(-1)?.id, `m${CHAT_HISTORY_LENGTH + 4}`);
    assert.deepEqual((await store.history('b')).map((m) => m.id), ['m1000']);
  });

  it('forgets a history only once the directory no longer holds its room', async () => {
    const rooms = new Set(['a']);
    const store = new MemoryChatStore((room) => rooms.has(room));
    await store.append('a', message(1));
    await store.releaseIfRoomGone('a');
    assert.equal((await store.history('a')).length, 1, 'kept while the room is there (served by another server)');
    rooms.delete('a');
    await store.releaseIfRoomGone('a');
    assert.deepEqual(await store.history('a'), []);
  });
});
