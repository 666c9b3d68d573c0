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
import { CloseCode, type ChatMessage, type ParticipantInfo, type ParticipantVerb, type Reaction, type RoomChange } from '../protocol/messages.js';
import type { JanusNode } from '../media/JanusNode.js';
import { MediaError } from '../media/mediaErrors.js';
import { PageMedia } from '../media/PageMedia.js';
import type { RoomEvent } from '../cluster/records.js';
import type { RoomSnapshot } from '../cluster/RoomDirectory.js';
import { formatDuration } from '../support/time.js';
import type { FailureLog } from '../support/failures.js';
import type { Participant } from './Participant.js';
import type { ParticipantChannel } from './ParticipantChannel.js';
import { NodeRooms } from './NodeRooms.js';
import { Membership } from './Membership.js';
import { HostRole } from './HostRole.js';
import { Moderation } from './Moderation.js';
import { Lobby } from './Lobby.js';
import { RoomPhones } from './RoomPhones.js';
import { RoomMedia } from './RoomMedia.js';
import { RoomSync, type RoomView } from './RoomSync.js';
import { noCalls, type RoomStats } from './roomStats.js';
import { pageOpener } from './mediaOpeners.js';
import { RoomChat } from './RoomChat.js';
import { hangUpHeld } from './phoneHangUp.js';
import type { PageWelcome, RoomDeps } from './RoomTypes.js';
import { RoomClosedError } from './roomErrors.js';
import { assertUnreachable } from '../support/unreachable.js';
import { DialInPin } from './DialInPin.js';

export type { PageWelcome, RoomDeps, RoomSettings } from './RoomTypes.js';

interface RoomEvents {
  /** The room has no participant here any more and let go of its media: drop it. */
  closed: [];
}

export class Room extends EventEmitter<RoomEvents> implements RoomView {
  private readonly queue = new AwaitQueue();
  private readonly members: Membership;
  private readonly hosts: HostRole;
  private readonly moderation: Moderation;
  private readonly lobby: Lobby;
  readonly phones: RoomPhones;
  private readonly media: RoomMedia;
  private readonly chat: RoomChat;
  private readonly nodeRooms: NodeRooms;
  private readonly failures: FailureLog;
  private readonly maxDurationTimer: NodeJS.Timeout;
  private sync: RoomSync | undefined;
  private readonly pin: DialInPin;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly name: string,
    private readonly deps: RoomDeps,
  ) {
    super();
    this.failures = deps.failures.child({ room: name });
    this.nodeRooms = new NodeRooms(name, deps.settings, this.failures.logger);
    this.pin = new DialInPin(name, deps.directory, deps.settings.dialInNumber);
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
    this.hosts = new HostRole(this.members.roster, (message) => this.members.broadcast(message), (participant) => this.members.changed(participant));
    this.lobby = new Lobby({ members: this.members, hosts: this.hosts, queue });
    this.moderation = new Moderation({
      ...deps,
      room: name,
      members: this.members,
      hosts: this.hosts,
      lobby: this.lobby,
      tokenTtlSeconds: deps.settings.tokenTtlSeconds,
      failures: this.failures,
      end: (reason) => this.endEverywhere(reason),
    });
    this.phones = new RoomPhones({ members: this.members, media: this.media, moderation: this.moderation, lobby: this.lobby, request: (change) => this.request(change), change: queue });
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
      await room.pin.claim();
      room.sync = await RoomSync.start(deps.directory, name, room, (change) => room.change(change));
      // Read after listening starts, so a change of the rules made meanwhile is either read here or heard.
      const rules = await deps.directory.rules(name);
      await room.change(() => room.moderation.applyRules(rules));
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

  /** Reserves a place for whoever connects with the token `/joinCall` hands out (`access` admitted them; `host` with the operator's secret; with the lobby on, others knock first); their media starts now, so the welcome can offer the room's feeds. */
  invite(participantId: string, name: string, access?: string, host = false): Promise<void> {
    return this.request(async () => {
      const mustKnock = this.moderation.currentRules.lobby && !host;
      this.media.start(await this.members.reserve(participantId, name, access, { host, mustKnock }));
    });
  }

  /**
   * Attaches a page to its participant, starts its media and returns what
   * its welcome needs (see Membership.attachPage). A page that must knock
   * waits in the lobby first (rejects with LobbyRefusal when turned away).
   */
  async connect(participantId: string, name: string, channel: ParticipantChannel): Promise<PageWelcome> {
    const knock = await this.request(() => {
      const { roster } = this.members;
      const local = roster.localParticipant(participantId);
      // Its page may connect to another app server than the one that let it in: it knocks there.
      const mustKnock = local ? local.mustKnock : roster.remoteMember(participantId)?.mustKnock === true;
      return mustKnock ? this.lobby.knock(this.members.holdHere(participantId, name), channel) : undefined;
    });
    await knock?.admitted;
    await this.media.firstOffer(this.members.roster.localParticipant(participantId));
    return this.request(() => {
      const { participant, self, others } = this.members.attachPage(participantId, name, channel);
      // Held by the channel until its welcome is sent.
      this.hosts.refresh();
      channel.send(this.hosts.message());
      channel.send({ type: 'roomRules', rules: this.moderation.currentRules });
      if (this.hosts.isHost(participantId)) channel.send(this.lobby.message());
      const dialIn = this.pin.message();
      if (dialIn) channel.send(dialIn);
      // The first page of a reservation takes the media it started (and the offer it may have made already); a page that comes back starts afresh.
      if (participant.pageAttachments > 1 || !participant.media) {
        this.media.start(participant);
        return { self, others };
      }
      const subscription = participant.session instanceof PageMedia ? participant.session.pendingOffer : undefined;
      return { self, others, ...(subscription ? { subscription } : {}) };
    });
  }

  disconnect(participantId: string, channel: ParticipantChannel, deliberate: boolean): Promise<void> {
    return this.change(() => this.members.detachPage(participantId, channel, deliberate));
  }

  /** The page's own mute state; refused (`microphones_locked`) when it would lift a host's mute that the host locked. */
  setMuted(participantId: string, audioMuted: boolean, videoMuted: boolean): Promise<void> {
    return this.request(() => this.moderation.setOwnMute(participantId, audioMuted, videoMuted));
  }

  setHand(participantId: string, raised: boolean): Promise<void> {
    return this.change(() => this.moderation.setHand(participantId, raised));
  }

  /** A host's verb on another participant; refused with `not_host` to anyone else (see Moderation). */
  moderate(actorId: string, verb: ParticipantVerb, targetId: string): Promise<void> {
    return this.request(() => this.moderation.act(actorId, verb, targetId));
  }

  /** A host's change of the room; refused with `not_host` to anyone else. */
  changeRules(actorId: string, change: RoomChange): Promise<void> {
    return this.request(() => this.moderation.change(actorId, change));
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

  /** The directory is back after an outage: write back what this server holds (the PIN too, see DialInPin), then read the room again. */
  async refresh(): Promise<void> {
    await this.change(async () => {
      this.members.writeBack();
      for (const record of this.media.localFeeds()) this.failures.watch('cannot write back a feed', this.deps.directory.saveFeed(this.name, record));
      const changed = await this.pin.reclaim();
      const dialIn = this.pin.message();
      if (changed && dialIn) this.members.broadcast(dialIn);
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
    return this.request(() => this.endEverywhere(reason));
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
      this.lobby.closeAll(CloseCode.serviceRestart, 'server restarting');
      this.close();
    });
    await this.closedFully;
  }

  async stats(): Promise<RoomStats> {
    const stats: RoomStats = { participants: this.members.roster.presentLocal().length, ...this.media.stats(), callsByState: noCalls() };
    for (const call of this.phones.calls()) stats.callsByState[call.state] += 1;
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
        return this.endHere(event.reason);
      case 'chat':
        return this.chat.deliver(event.message);
      case 'reaction':
        return this.chat.showReaction(event.participantId, event.emoji);
      case 'hangUp':
        return hangUpHeld(this.phones.calls(), event.callIds);
      case 'moderate':
        return this.moderation.onRemoteVerb(event.verb, event.participantId, event.by);
      case 'rules':
        return this.moderation.applyRules(event.rules);
      default:
        return assertUnreachable(event, 'room event');
    }
  }

  // ---- lifecycle

  /** Called from the queue. */
  private async endEverywhere(reason: string): Promise<void> {
    const { members } = await this.deps.directory.snapshot(this.name);
    await Promise.all(members.map((member) => this.deps.directory.revoke(member.info.participantId, this.deps.settings.tokenTtlSeconds)));
    await this.deps.directory.publish(this.name, { type: 'ended', reason });
    this.endHere(reason);
  }

  /** Closes every page here with the reason, knocking ones included, and lets everyone go. */
  private endHere(reason: string): void {
    this.lobby.closeAll(CloseCode.sessionEnded, reason);
    this.members.endHere(reason);
  }

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
    this.lobby.dispose();
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
        if (this.isClosed) return;
        try {
          await change();
        } finally {
          this.afterChange();
        }
      })
      .catch((error: unknown) => this.failures.report('a room change failed', error));
  }

  /** Runs a change in the queue for a caller that hears its result or its failure; a closed room refuses with `RoomClosedError`. */
  private request<T>(change: () => T | Promise<T>): Promise<T> {
    return this.queue.push(async () => {
      if (this.isClosed) throw new RoomClosedError(this.name);
      try {
        return await change();
      } finally {
        this.afterChange();
      }
    });
  }

  /** Whoever a change made host (or stopped being one) is shown as such, and hosts see who knocks. */
  private afterChange(): void {
    if (this.isClosed) return;
    this.lobby.announce(this.hosts.refresh());
  }
}
