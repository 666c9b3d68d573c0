/**
 * A meeting room as this app server serves it: who is in it (Membership),
 * its media (RoomMedia), and its place in the room directory (RoomSync),
 * which it shares with every other app server serving the same room.
 *
 * Every change of its state runs in one queue, one change at a time, so no
 * two changes interleave across an `await`; slow work a change starts
 * comes back through the queue and checks that what it worked for is
 * still there. A room is created whole (`create`) or not at all.
 */
import { EventEmitter } from 'node:events';
import { AwaitQueue } from 'awaitqueue';
import { CloseCode, type ChatMessage, type ParticipantInfo, type Reaction } from '../protocol/messages.js';
import type { JanusNode } from '../media/JanusNode.js';
import { MediaError } from '../media/mediaErrors.js';
import { PageMedia } from '../media/PageMedia.js';
import type { PhoneCall } from '../telephony/PhoneCall.js';
import type { RoomEvent } from '../cluster/records.js';
import type { RoomSnapshot } from '../cluster/RoomDirectory.js';
import { formatDuration } from '../support/time.js';
import type { FailureLog } from '../support/failures.js';
import type { Participant } from './Participant.js';
import type { ParticipantChannel } from './ParticipantChannel.js';
import { NodeRooms } from './NodeRooms.js';
import { Membership } from './Membership.js';
import { RoomMedia } from './RoomMedia.js';
import { RoomSync, type RoomView } from './RoomSync.js';
import { noCalls, type RoomStats } from './roomStats.js';
import { pageOpener } from './mediaOpeners.js';
import { RoomChat } from './RoomChat.js';
import { hangUpHeld } from './phoneHangUp.js';
import type { PageWelcome, RoomDeps } from './RoomTypes.js';

export type { PageWelcome, RoomDeps, RoomSettings } from './RoomTypes.js';

interface RoomEvents {
  /** The room has no participant here any more and let go of its media: drop it. */
  closed: [];
}

export class Room extends EventEmitter<RoomEvents> implements RoomView {
  private readonly queue = new AwaitQueue();
  private readonly members: Membership;
  private readonly media: RoomMedia;
  private readonly chat: RoomChat;
  private readonly nodeRooms: NodeRooms;
  private readonly failures: FailureLog;
  private readonly maxDurationTimer: NodeJS.Timeout;
  private sync: RoomSync | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly name: string,
    private readonly deps: RoomDeps,
  ) {
    super();
    this.failures = deps.failures.child({ room: name });
    this.nodeRooms = new NodeRooms(name, deps.settings, this.failures.logger);
    const queue = (change: () => void | Promise<void>): Promise<void> => this.change(change);
    this.media = new RoomMedia({
      ...deps,
      room: name,
      nodeRooms: this.nodeRooms,
      queue,
      failures: this.failures,
      isLocal: (id) => this.members.roster.localParticipant(id) !== undefined,
      onLost: (participant) => this.restartMedia(participant, 'the media server lost this connection'),
    });
    this.members = new Membership({ ...deps, room: name, media: this.media, pageOpener: pageOpener(this.failures), queue, failures: this.failures, onEmpty: () => this.close() });
    this.chat = new RoomChat({ room: name, directory: deps.directory, members: this.members, failures: this.failures });
    const maxMs = deps.settings.maxDurationMs;
    this.maxDurationTimer = setTimeout(
      () => this.failures.watch('cannot end the meeting at its maximum length', this.end(`the meeting reached its maximum length of ${formatDuration(maxMs)}`)),
      maxMs,
    );
  }

  /** The room, once it knows what the other app servers hold of it. */
  static async create(name: string, deps: RoomDeps): Promise<Room> {
    const room = new Room(name, deps);
    try {
      room.sync = await RoomSync.start(deps.directory, name, room, (change) => room.change(change));
    } catch (error) {
      clearTimeout(room.maxDurationTimer);
      throw error;
    }
    return room;
  }

  get isClosed(): boolean {
    return this.closing !== undefined;
  }

  /** Participants this server holds, reservations included. */
  get size(): number {
    return this.members.roster.localCount;
  }

  /** Settles once the room has closed and let go of Janus. */
  get closedFully(): Promise<void> {
    return this.closing ?? Promise.resolve();
  }

  /** Reserves a place for whoever connects with the token `/joinCall` hands out (`access` admitted them); their media starts now, so the welcome can offer the room's feeds. */
  invite(participantId: string, name: string, access?: string): Promise<void> {
    return this.request(async () => {
      this.media.start(await this.members.reserve(participantId, name, access));
    });
  }

  /** Attaches a page to its participant, starts its media and returns what its welcome needs (see Membership.attachPage). */
  connect(participantId: string, name: string, channel: ParticipantChannel): Promise<PageWelcome> {
    return this.request(() => {
      const { participant, self, others } = this.members.attachPage(participantId, name, channel);
      // The first page of a reservation takes the media it started (and the offer it may have made already); a page that comes back starts afresh.
      if (participant.pageAttachments > 1 || !participant.media) {
        this.media.start(participant);
        return { self, others };
      }
      const subscription = participant.session instanceof PageMedia ? participant.session.pendingOffer : undefined;
      return { self, others, ...(subscription ? { subscription } : {}) };
    });
  }

  /** Dials a phone into the room; resolves with its participant id. */
  dialOut(call: PhoneCall, name: string): Promise<{ participantId: string }> {
    return this.request(() => {
      const participant = this.members.addPhone(call, name);
      this.media.start(participant);
      return { participantId: participant.id };
    });
  }

  disconnect(participantId: string, channel: ParticipantChannel, deliberate: boolean): Promise<void> {
    return this.change(() => this.members.detachPage(participantId, channel, deliberate));
  }

  setMuted(participantId: string, audioMuted: boolean, videoMuted: boolean): Promise<void> {
    return this.change(() => this.members.setMuted(participantId, audioMuted, videoMuted));
  }

  /** A page's chat message, to everyone or privately `to` one participant (see RoomChat). */
  sendChat(participantId: string, text: string, to: string | undefined): Promise<void> {
    return this.request(() => this.chat.send(participantId, text, to));
  }

  react(participantId: string, emoji: Reaction): Promise<void> {
    return this.request(() => this.chat.react(participantId, emoji));
  }

  /** The chat messages a page joining now may see; never fails (a failed read shows none). */
  chatHistory(participantId: string): Promise<ChatMessage[]> {
    return this.chat.history(participantId);
  }

  /** The page's media session, once open: requests that arrive while it opens wait for it. */
  async pageMedia(participantId: string): Promise<PageMedia> {
    const media = await this.members.roster.localParticipant(participantId)?.media;
    if (!(media instanceof PageMedia)) throw MediaError.unavailable('this participant has no media session yet');
    return media;
  }

  /** The room's phone calls on this server, for hanging up. */
  phoneCalls(): PhoneCall[] {
    return this.members.phoneCalls();
  }

  /** Hangs up the calls among `callIds` that this server holds (the `hangUp` event it sent, see phoneHangUp.ts). */
  hangUpHere(callIds: string[]): Promise<void> {
    return this.change(() => hangUpHeld(this.phoneCalls(), callIds));
  }

  /** A Janus node went down: its sessions report their loss and move; copies on it are forgotten. */
  nodeDown(node: JanusNode): Promise<void> {
    return this.change(() => this.media.nodeDown(node));
  }

  /** A node came back: pages left without media (no other node could take them) start again. */
  nodeUp(node: JanusNode): Promise<void> {
    return this.change(() => {
      this.media.nodeUp(node);
      for (const participant of this.members.roster.presentLocal()) if (!participant.session) this.restartMedia(participant, 'the media server restarted');
    });
  }

  /** The directory is back after an outage: write back what this server holds, then read the room again. */
  async refresh(): Promise<void> {
    await this.change(() => {
      this.members.writeBack();
      for (const record of this.media.localFeeds()) this.failures.watch('cannot write back a feed', this.deps.directory.saveFeed(this.name, record));
    });
    await this.sync?.read();
  }

  /** Members held by app servers that stopped answering are gone: tell the pages. */
  async reapOrphans(): Promise<void> {
    for (const { participantId, server } of await this.deps.directory.orphans(this.name)) {
      if (this.members.roster.localParticipant(participantId)) continue;
      if (!(await this.deps.directory.removeMember(this.name, participantId, server))) continue;
      this.failures.logger.info({ participantId }, 'its app server stopped answering; removed the participant');
      await this.change(() => this.members.onRemoteLeft(participantId, { dropCopies: true }));
    }
  }

  /** Ends the room for everyone in it, on every app server (the seed's `/endSession`). */
  end(reason: string): Promise<void> {
    return this.request(async () => {
      const { members } = await this.deps.directory.snapshot(this.name);
      await Promise.all(members.map((member) => this.deps.directory.revoke(member.info.participantId, this.deps.settings.tokenTtlSeconds)));
      await this.deps.directory.publish(this.name, { type: 'ended', reason });
      this.members.endHere(reason);
    });
  }

  /** The server is going down: tell every page to come back later, and let go of Janus. */
  async shutdown(): Promise<void> {
    await this.change(() => {
      const everyone = this.members.roster.allLocal();
      this.media.release(...everyone);
      for (const participant of everyone) {
        participant.phone?.hangUp();
        participant.channel?.close(CloseCode.serviceRestart, 'server restarting');
        participant.channel = undefined;
      }
      this.close();
    });
    await this.closedFully;
  }

  async stats(): Promise<RoomStats> {
    const stats: RoomStats = { participants: this.members.roster.presentLocal().length, ...this.media.stats(), callsByState: noCalls() };
    for (const call of this.phoneCalls()) stats.callsByState[call.state] += 1;
    return stats;
  }

  // ---- what the directory says (RoomView), applied in the queue by RoomSync

  applySnapshot(snapshot: RoomSnapshot): void {
    this.members.applyMembers(snapshot.members);
    this.media.replacePlacements(snapshot.placements);
    for (const record of snapshot.feeds) this.media.remoteFeed(record);
  }

  applyEvent(event: RoomEvent): void {
    switch (event.type) {
      case 'member':
        return this.members.onRemoteMember(event.member);
      case 'left':
        return this.members.onRemoteLeft(event.participantId, { dropCopies: false });
      case 'feed':
        return this.media.remoteFeed(event.feed);
      case 'feedGone':
        return this.media.remoteFeedGone(event.participantId, event.feed);
      case 'placed':
        return this.media.placed(event.participantId, event.node);
      case 'ended':
        return this.members.endHere(event.reason);
      case 'chat':
        return this.chat.deliver(event.message);
      case 'reaction':
        return this.chat.showReaction(event.participantId, event.emoji);
      case 'hangUp':
        return hangUpHeld(this.phoneCalls(), event.callIds);
      default:
        return assertUnreachable(event);
    }
  }

  // ---- lifecycle

  /**
   * A page whose media was lost starts again, at once if a node is up, or
   * when one comes back (`nodeUp`); a phone's call ends by itself (see PhoneCall).
   */
  private restartMedia(participant: Participant, reason: string): void {
    if (!participant.channel || !this.deps.pool.isUp) {
      this.media.release(participant);
      return;
    }
    participant.channel.send({ type: 'mediaReset', reason });
    this.media.start(participant);
  }

  /** Stops the room; its VideoRooms are destroyed once its sessions are closed and nobody else uses them. */
  private close(): void {
    if (this.closing) return;
    clearTimeout(this.maxDurationTimer);
    this.members.roster.dispose();
    this.closing = (async () => {
      await this.sync?.stop();
      await this.media.settled();
      const { placements } = await this.deps.directory.snapshot(this.name);
      await this.nodeRooms.destroyUnused(this.deps.pool.all, new Set(placements.values()));
      await this.chat.release();
    })().catch((error: unknown) => this.failures.report('could not release the room', error));
    this.emit('closed');
  }

  /** Runs a change in the queue, unless the room has closed meanwhile; its failure is reported, never thrown. */
  private change(change: () => void | Promise<void>): Promise<void> {
    return this.queue
      .push(async () => {
        if (!this.isClosed) await change();
      })
      .catch((error: unknown) => this.failures.report('a room change failed', error));
  }

  /** Runs a change in the queue for a caller that hears its result or its failure; a closed room refuses with `RoomClosedError`. */
  private request<T>(change: () => T | Promise<T>): Promise<T> {
    return this.queue.push(async () => {
      if (this.isClosed) throw new RoomClosedError(this.name);
      return change();
    });
  }
}

/** The room closed before the request's turn came: the caller opens the room again (see RoomRegistry.use). */
export class RoomClosedError extends Error {
  constructor(room: string) {
    super(`room ${room} has closed`);
    this.name = 'RoomClosedError';
  }
}

function assertUnreachable(value: never): never {
  throw new Error(`unhandled room event ${JSON.stringify(value)}`);
}
