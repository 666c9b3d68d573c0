/**
 * A room's chat and reactions on this server: takes a message from one of
 * the pages here, stamps it (id, sender's name, time), keeps it in the
 * room's history and hands it to the pages here that may see it and,
 * through the directory, to the other app servers, which hand it to
 * theirs. Called from the room's queue, except `history`.
 */
import { randomUUID } from 'node:crypto';
import type { ChatMessage, Reaction } from '../protocol/messages.js';
import type { RoomDirectory } from '../cluster/RoomDirectory.js';
import type { FailureLog } from '../support/failures.js';
import type { Membership } from './Membership.js';
import { ChatError } from './chatErrors.js';

export interface RoomChatDeps {
  room: string;
  directory: RoomDirectory;
  members: Membership;
  failures: FailureLog;
}

export class RoomChat {
  constructor(private readonly deps: RoomChatDeps) {}

  /** Sends a page's message, to everyone or privately `to` one participant; refuses a recipient who cannot read it. */
  async send(from: string, text: string, to: string | undefined): Promise<void> {
    const { roster } = this.deps.members;
    const sender = roster.localParticipant(from);
    if (!sender || !roster.isPresent(from)) return; // its page left while the message waited its turn
    const message: ChatMessage = { id: randomUUID(), from, fromName: sender.name, text, sentAt: Date.now() };
    if (to !== undefined) {
      const recipient = to === from ? undefined : this.readerInfo(to);
      if (!recipient) throw ChatError.unknownRecipient();
      message.to = to;
      message.toName = recipient.name;
    }
    // Kept first, so a page that joins while it travels finds it in the history if it missed it live.
    await this.deps.directory.chat.append(this.deps.room, message);
    this.deliver(message);
    await this.deps.directory.publish(this.deps.room, { type: 'chat', message });
  }

  /** Shows a page's reaction on every page of the room. */
  async react(participantId: string, emoji: Reaction): Promise<void> {
    if (!this.deps.members.roster.isPresent(participantId)) return;
    this.showReaction(participantId, emoji);
    await this.deps.directory.publish(this.deps.room, { type: 'reaction', participantId, emoji });
  }

  /** Hands a message to the pages here that may see it (sent here or through another app server). */
  deliver(message: ChatMessage): void {
    const { members } = this.deps;
    if (message.to === undefined) members.broadcast({ type: 'chat', message });
    else for (const id of [message.from, message.to]) if (members.roster.isPresent(id)) members.roster.localParticipant(id)?.channel?.send({ type: 'chat', message });
  }

  showReaction(participantId: string, emoji: Reaction): void {
    this.deps.members.broadcast({ type: 'reaction', participantId, emoji });
  }

  /** The kept messages `participantId` may see: everyone's, and the private ones they sent or received. A failed read is reported and shows none. */
  async history(participantId: string): Promise<ChatMessage[]> {
    try {
      const messages = await this.deps.directory.chat.history(this.deps.room);
      return messages.filter((m) => m.to === undefined || m.to === participantId || m.from === participantId);
    } catch (error) {
      this.deps.failures.report('cannot read the chat history', error);
      return [];
    }
  }

  /** The room has closed here: its history goes if no app server serves the room any more. */
  release(): Promise<void> {
    return this.deps.directory.chat.releaseIfRoomGone(this.deps.room);
  }

  /** A participant a private message can go to: a page in the room, here or on another app server. */
  private readerInfo(participantId: string): { name: string } | undefined {
    const { roster } = this.deps.members;
    const local = roster.localParticipant(participantId);
    if (local) return local.kind === 'browser' && roster.isPresent(participantId) ? local : undefined;
    const remote = roster.remoteMember(participantId);
    return remote?.present && remote.info.kind === 'browser' ? remote.info : undefined;
  }
}
