/**
 * Where a room's chat history lives: its last messages, kept as long as
 * the room. In memory when this server is alone; in Redis (RedisChatStore)
 * when app servers share rooms.
 */
import type { ChatMessage } from '../protocol/messages.js';

/** Messages a room keeps; a page joining late is shown those it may see of them. */
export const CHAT_HISTORY_LENGTH = 200;

export interface ChatStore {
  /** Keeps a message, forgetting the oldest beyond CHAT_HISTORY_LENGTH. */
  append(room: string, message: ChatMessage): Promise<void>;
  /** The room's kept messages, oldest first. */
  history(room: string): Promise<ChatMessage[]>;
  /** Forgets the room's history if the room itself is gone (its last member left, or it ended); another server may still serve it. */
  releaseIfRoomGone(room: string): Promise<void>;
}

export class MemoryChatStore implements ChatStore {
  private readonly rooms = new Map<string, ChatMessage[]>();

  /** `roomExists`: whether the directory still holds the room. */
  constructor(private readonly roomExists: (room: string) => boolean) {}

  async append(room: string, message: ChatMessage): Promise<void> {
    const messages = this.rooms.get(room) ?? [];
    messages.push(message);
    if (messages.length > CHAT_HISTORY_LENGTH) messages.splice(0, messages.length - CHAT_HISTORY_LENGTH);
    this.rooms.set(room, messages);
  }

  async history(room: string): Promise<ChatMessage[]> {
    return [...(this.rooms.get(room) ?? [])];
  }

  async releaseIfRoomGone(room: string): Promise<void> {
    if (!this.roomExists(room)) this.rooms.delete(room);
  }
}
