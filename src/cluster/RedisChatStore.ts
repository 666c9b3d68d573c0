/**
 * A room's chat history in Redis, shared by every app server serving the
 * room: the list `convene:chat:<name>` of its last messages as JSON, oldest
 * first. It lives as the room's hash does: the servers holding members
 * refresh its expiry with the room's (see RedisRoomDirectory), and it is
 * deleted once the room's hash is gone (its last member left).
 */
import type { RedisClientType } from '@redis/client';
import { ChatMessage } from '../protocol/messages.js';
import type { FailureLog } from '../support/failures.js';
import { CHAT_HISTORY_LENGTH, type ChatStore } from './ChatStore.js';
import { parseRecord } from './parseRecord.js';

export const chatKey = (room: string): string => `convene:chat:${room}`;

/** Deletes the history (KEYS[2]) only while the room's hash (KEYS[1]) is gone, in one step: a member joining meanwhile keeps it. */
const RELEASE_IF_ROOM_GONE = `if redis.call('EXISTS', KEYS[1]) == 0 then return redis.call('DEL', KEYS[2]) end
return 0`;

/** The commands the store uses, of the directory's client. */
type ChatClient = Pick<RedisClientType, 'multi' | 'lRange' | 'eval'>;

export class RedisChatStore implements ChatStore {
  constructor(
    private readonly client: ChatClient,
    /** The key of a room's hash in the directory. */
    private readonly roomKey: (room: string) => string,
    private readonly lifetimeMs: number,
    private readonly failures: FailureLog,
  ) {}

  async append(room: string, message: ChatMessage): Promise<void> {
    const key = chatKey(room);
    await this.client.multi().rPush(key, JSON.stringify(message)).lTrim(key, -CHAT_HISTORY_LENGTH, -1).pExpire(key, this.lifetimeMs).exec();
  }

  async history(room: string): Promise<ChatMessage[]> {
    const messages: ChatMessage[] = [];
    for (const raw of await this.client.lRange(chatKey(room), 0, -1)) {
      const parsed = parseRecord(ChatMessage, raw);
      if (parsed) messages.push(parsed);
      else this.failures.report(`ignoring a malformed chat message of room ${room}`, new Error(raw.slice(0, 200)));
    }
    return messages;
  }

  async releaseIfRoomGone(room: string): Promise<void> {
    await this.client.eval(RELEASE_IF_ROOM_GONE, { keys: [this.roomKey(room), chatKey(room)] });
  }
}
