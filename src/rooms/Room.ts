/**
 * A meeting room as this app server serves it: the participants whose pages
 * (or phone calls) it holds, the members other app servers hold, and every
 * live feed. The room keeps the seed's session-level subscription: every
 * connected participant receives every live feed of everyone else, as feeds
 * come and go, wherever they are published.
 *
 * Shared state and events go through the room directory (in memory, or
 * Redis for several app servers). A participant's media lives on the Janus
 * node the placement picks; a feed published on one node is copied to every
 * other node the room uses, so subscribers always subscribe on their own node.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { CloseCode, type FeedKind, type ParticipantInfo, type PeerConnectionId, type ServerMessage } from '../protocol/messages.js';
import type { JanusNode } from '../media/JanusNode.js';
import type { JanusPool } from '../media/JanusPool.js';
import { ParticipantMedia, type LiveFeed } from '../media/ParticipantMedia.js';
import { copyFeed, dropCopy } from '../media/FeedCopies.js';
import { MediaError } from '../media/mediaErrors.js';
import type { TrickleCandidate } from '../media/janus/JanusHandle.js';
import type { PhoneCall } from '../telephony/PhoneCall.js';
import type { RoomDirectory } from '../cluster/RoomDirectory.js';
import type { MediaPlacement } from '../cluster/MediaPlacement.js';
import { feedKey, type EventEnvelope, type FeedRecord, type MemberRecord } from '../cluster/records.js';
import { newParticipantId, Participant } from './Participant.js';
import type { ParticipantChannel } from './ParticipantChannel.js';
import { NodeRooms, type VideoRoomSettings } from './NodeRooms.js';
import { noCalls, type RoomStats } from './roomStats.js';
import { formatDuration } from '../support/time.js';

export interface RoomSettings extends VideoRoomSettings {
  /** How long a participant whose page vanished without saying goodbye stays in the room. */
  reconnectGraceMs: number;
  /** How long a `/joinCall` reservation waits for its page to connect. */
  invitationTtlMs: number;
  /** How long a token stays valid: an ended room's tokens are refused this long. */
  tokenTtlSeconds: number;
  /** A meeting is ended this long after its room was created (the seed's maximum session length). */
  maxDurationMs: number;
}

export interface RoomDeps {
  pool: JanusPool;
  directory: RoomDirectory;
  placement: MediaPlacement;
  settings: RoomSettings;
  logger: Logger;
  /** Settles once an earlier room of the same name has let go of Janus. */
  previousClose: Promise<void>;
}

/** A failed call's tile stays this long, so everyone can read why it failed. */
const FAILED_CALL_LINGER_MS = 4_000;

interface RoomEvents {
  /** The last local participant left and the room released its media: drop it. */
  closed: [];
}

export class Room extends EventEmitter<RoomEvents> {
  /** Participants whose page or phone call this server holds. */
  private readonly participants = new Map<string, Participant>();
  /** Local participants the others have been told about (joined and not yet left). */
  private readonly present = new Set<string>();
  /** Members held by other app servers, by participant id. */
  private readonly remotes = new Map<string, MemberRecord>();
  /** Every live feed of the room, local or remote, by `feedKey`. */
  private readonly feeds = new Map<string, FeedRecord>();
  /** Copies being made, by feed key and node, so each is made once. */
  private readonly copying = new Set<string>();
  /** Nodes that went down while no other node could take their participants. */
  private readonly stranded = new Set<string>();
  private readonly nodeRooms: NodeRooms;
  private readonly directory: RoomDirectory;
  private readonly maxDurationTimer: NodeJS.Timeout;
  /** Janus sessions being destroyed: the VideoRoom outlives them, or Janus reports their feeds' room missing. */
  private readonly releasing = new Set<Promise<void>>();
  private readonly logger: Logger;
  private unsubscribe: (() => Promise<void>) | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Settles when the room knows what other servers hold; connect only after. */
  readonly ready: Promise<void>;

  constructor(
    readonly name: string,
    private readonly deps: RoomDeps,
  ) {
    super();
    this.directory = deps.directory;
    this.logger = deps.logger.child({ room: name });
    this.nodeRooms = new NodeRooms(name, deps.settings, this.logger);
    this.ready = this.load();
    this.ready.catch((error: Error) => this.logger.error({ err: error.message }, 'cannot read the room from the directory'));
    const maxMs = deps.settings.maxDurationMs;
    this.maxDurationTimer = setTimeout(() => void this.end(`the meeting reached its maximum length of ${formatDuration(maxMs)}`), maxMs);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Participants this server holds. */
  get size(): number {
    return this.participants.size;
  }

  /** Reserves a place for a participant who will connect with the token `/joinCall` hands out. Call after `ready`. */
  invite(participantId: string, name: string): Promise<void> {
    const participant = new Participant(participantId, name);
    this.participants.set(participantId, participant);
    participant.departureTimer = setTimeout(() => this.remove(participant), this.deps.settings.invitationTtlMs);
    return this.directory.saveMember(this.name, this.recordOf(participant));
  }

  /**
   * Attaches a page to its participant (creating the participant again if it
   * had gone, e.g. after a server restart, or taking it over from another app
   * server) and returns what the welcome message needs. A second page with
   * the same token replaces the first. Call after `ready`.
   */
  connect(participantId: string, name: string, channel: ParticipantChannel): { self: ParticipantInfo; others: ParticipantInfo[] } {
    let participant = this.participants.get(participantId);
    if (!participant) {
      participant = new Participant(participantId, name);
      this.participants.set(participantId, participant);
    }
    const wasKnown = this.isKnown(participantId);
    // Taken over from another app server (it died, or the page moved): its copies of the old feeds are ours to drop.
    this.forgetRemote(participantId, true);
    participant.cancelDeparture();
    participant.channel?.close(CloseCode.replaced, 'replaced by a newer connection');
    participant.channel = channel;
    this.releaseMedia(participant);
    this.present.add(participantId);
    if (!wasKnown) this.broadcast({ type: 'participantJoined', participant: participant.info() }, participant);
    this.share(participant);
    const others = [...this.presentParticipants().filter((p) => p !== participant).map((p) => p.info()), ...this.remoteInfos()];
    return { self: participant.info(), others };
  }

  /** Places the participant's media on a Janus node and subscribes it to every live feed in the room. */
  async startMedia(participantId: string): Promise<void> {
    const participant = this.participants.get(participantId);
    if (!participant?.channel) return;
    const media = this.createMedia(participant);
    participant.media = media;
    let ready: ParticipantMedia;
    try {
      ready = await media;
    } catch (error) {
      if (participant.media === media) participant.media = undefined;
      this.logger.error({ participantId, err: (error as Error).message }, 'cannot set up media for participant');
      participant.channel?.send({ type: 'error', code: 'media_unavailable', reason: 'the media server is unavailable; retrying' });
      return;
    }
    for (const record of this.feeds.values()) if (record.participantId !== participantId) void this.subscribe(participant, ready, record);
  }

  /**
   * Dials a phone into the room. The phone is a participant from the first
   * ring: its call state reaches every page as updates of that participant.
   */
  dialOut(call: PhoneCall, name: string): { participantId: string } {
    const participant = new Participant(newParticipantId(), name, 'phone');
    participant.phone = call;
    this.participants.set(participant.id, participant);
    this.present.add(participant.id);
    this.broadcast({ type: 'participantJoined', participant: participant.info() });
    this.share(participant);
    call.on('state', (state) => {
      if (this.participants.get(participant.id) !== participant) return;
      this.broadcast({ type: 'participantUpdated', participant: participant.info() });
      this.share(participant);
      if (state === 'ended') this.remove(participant);
      else if (state === 'failed') participant.departureTimer = setTimeout(() => this.remove(participant), FAILED_CALL_LINGER_MS);
      else if (state === 'answered') this.mixRoomInto(participant);
    });
    call.on('feedLive', (feed) => void this.onLocalFeedLive(participant, feed));
    call.on('feedGone', ({ feed, feedId }) => void this.onLocalFeedGone(participant, feed, feedId));
    void call.start(this.placeMedia(participant).then((node) => ({ node, janusRoom: this.nodeRooms.janusRoom })));
    return { participantId: participant.id };
  }

  /** The room's phone calls on this server, for hanging up. */
  phoneCalls(): PhoneCall[] {
    return [...this.participants.values()].flatMap((p) => (p.phone ? [p.phone] : []));
  }

  /** The page went away: at once when it said so, otherwise after the reconnect grace. */
  disconnect(participantId: string, channel: ParticipantChannel, deliberate: boolean): void {
    const participant = this.participants.get(participantId);
    if (!participant || participant.channel !== channel) return;
    participant.channel = undefined;
    if (deliberate) {
      this.remove(participant);
      return;
    }
    participant.departureTimer = setTimeout(() => this.remove(participant), this.deps.settings.reconnectGraceMs);
  }

  async publish(participantId: string, feed: FeedKind, offerSdp: string): Promise<string> {
    return (await this.mediaOf(participantId)).publish(feed, offerSdp);
  }

  async unpublish(participantId: string, feed: FeedKind): Promise<void> {
    await (await this.mediaOf(participantId)).unpublish(feed);
  }

  async answerSubscription(participantId: string, pcId: PeerConnectionId, answerSdp: string): Promise<void> {
    await (await this.mediaOf(participantId)).answerSubscription(pcId, answerSdp);
  }

  async trickle(participantId: string, pcId: PeerConnectionId, candidate: TrickleCandidate | null): Promise<void> {
    await (await this.mediaOf(participantId)).trickle(pcId, candidate);
  }

  setMuted(participantId: string, audioMuted: boolean, videoMuted: boolean): void {
    const participant = this.participants.get(participantId);
    if (!participant) return;
    participant.audioMuted = audioMuted;
    participant.videoMuted = videoMuted;
    this.broadcast({ type: 'participantUpdated', participant: participant.info() }, participant);
    this.share(participant);
  }

  /**
   * A Janus node went down: its VideoRoom and every feed and copy on it are
   * gone. Participants whose media was there move to another node now, or,
   * with none left, when a node comes back.
   */
  nodeDown(node: JanusNode): void {
    this.nodeRooms.forget(node);
    for (const record of this.feeds.values()) {
      if (this.participants.has(record.participantId) && record.origin !== node.url && record.copies[node.url] !== undefined) {
        delete record.copies[node.url];
        this.announceFeed(record);
      }
    }
    if (this.deps.pool.isUp) this.moveOff(node.url, 'a media server went down');
    else this.stranded.add(node.url);
  }

  nodeUp(node: JanusNode): void {
    this.nodeRooms.forget(node);
    for (const url of this.stranded) this.moveOff(url, 'the media server restarted');
    this.stranded.clear();
  }

  /** Writes back what this server holds of the room, after the directory may have lost it. */
  restoreShared(): void {
    for (const participant of this.participants.values()) {
      this.share(participant);
      if (participant.node) void this.directory.recordPlacement(this.name, participant.id, participant.node.url).catch(() => undefined);
    }
    for (const record of this.feeds.values()) if (this.participants.has(record.participantId)) this.announceFeed(record);
  }

  /** Members held by app servers that stopped answering are gone: tell the pages. */
  async reapOrphans(): Promise<void> {
    for (const participantId of await this.directory.orphans(this.name)) {
      if (this.participants.has(participantId)) continue;
      this.logger.info({ participantId }, 'its app server stopped answering; removing the participant');
      await this.directory.removeMember(this.name, participantId);
      this.onRemoteLeft(participantId, true);
    }
  }

  /** Ends the room for everyone in it, on every app server (the seed's `/endSession`). */
  async end(reason: string): Promise<void> {
    const { members } = await this.directory.snapshot(this.name);
    await Promise.all(members.map((member) => this.directory.revoke(member.info.participantId, this.deps.settings.tokenTtlSeconds)));
    await this.directory.publish(this.name, { type: 'ended', reason });
    this.endHere(reason);
    if (this.participants.size === 0) await this.close();
  }

  /** The server is going down: tell every page to come back later, and let go of Janus. */
  async shutdown(): Promise<void> {
    // Nobody is left to hear of departures or ended feeds: without this, a phone hanging up would make
    // every page's media unsubscribe from its feed while that media is being destroyed.
    this.present.clear();
    for (const call of this.phoneCalls()) call.hangUp();
    for (const participant of this.participants.values()) {
      participant.cancelDeparture();
      participant.channel?.close(CloseCode.serviceRestart, 'server restarting');
      participant.channel = undefined;
    }
    await Promise.all([...this.participants.values()].map((participant) => participant.media?.then((m) => m.close(), () => undefined)));
    this.participants.clear();
    await this.close();
  }

  /** Settles when the room has let go of Janus after closing. */
  get closedFully(): Promise<void> {
    return this.closing ?? Promise.resolve();
  }

  // -------------------------------------------------------------------------
  // Membership

  private async load(): Promise<void> {
    await this.deps.previousClose;
    this.unsubscribe = await this.directory.subscribe(this.name, (envelope) => this.onEvent(envelope));
    const snapshot = await this.directory.snapshot(this.name);
    for (const member of snapshot.members) if (member.server !== this.directory.serverId) this.remotes.set(member.info.participantId, member);
    for (const feed of snapshot.feeds) if (this.remotes.has(feed.participantId)) this.feeds.set(feedKey(feed.participantId, feed.feed), feed);
  }

  private onEvent({ event }: EventEnvelope): void {
    if (this.closed) return;
    switch (event.type) {
      case 'member':
        return this.onRemoteMember(event.member);
      case 'left':
        return this.onRemoteLeft(event.participantId);
      case 'feed':
        return this.onRemoteFeed(event.feed);
      case 'feedGone':
        return this.onRemoteFeedGone(event.participantId, event.feed);
      case 'placed': {
        const node = this.deps.pool.find(event.node);
        return node ? this.copyLocalFeedsTo(node) : undefined;
      }
      case 'ended':
        return this.endHere(event.reason);
    }
  }

  private onRemoteMember(member: MemberRecord): void {
    const id = member.info.participantId;
    const local = this.participants.get(id);
    if (local) {
      // The participant's page connected to another app server: that one holds it now.
      this.participants.delete(id);
      this.present.delete(id);
      local.cancelDeparture();
      local.channel?.close(CloseCode.replaced, 'replaced by a newer connection');
      this.releaseMedia(local);
    }
    const wasKnown = this.isKnown(id) || local !== undefined;
    this.remotes.set(id, member);
    if (member.present) this.broadcast({ type: wasKnown ? 'participantUpdated' : 'participantJoined', participant: member.info });
    if (this.participants.size === 0) void this.close();
  }

  private onRemoteLeft(participantId: string, dropCopies = false): void {
    const wasPresent = this.remotes.get(participantId)?.present === true;
    this.forgetRemote(participantId, dropCopies);
    if (wasPresent) this.broadcast({ type: 'participantLeft', participantId });
    this.hangUpPhonesIfNoBrowserLeft();
  }

  /**
   * Drops what we knew of a member held elsewhere: its record and its feeds.
   * Its copies on other nodes are its server's to remove, unless that server
   * is gone (`dropCopies`).
   */
  private forgetRemote(participantId: string, dropCopies = false): void {
    if (!this.remotes.delete(participantId)) return;
    for (const record of [...this.feeds.values()]) {
      if (record.participantId !== participantId) continue;
      this.feeds.delete(feedKey(participantId, record.feed));
      void this.withdraw(record);
      if (dropCopies) this.dropCopies(record);
    }
  }

  private dropCopies(record: FeedRecord): void {
    for (const [url, copyId] of Object.entries(record.copies)) {
      const node = this.deps.pool.find(url);
      if (node && url !== record.origin) void dropCopy(node, this.nodeRooms.janusRoom, copyId);
    }
  }

  private recordOf(participant: Participant): MemberRecord {
    return { info: participant.info(), server: this.directory.serverId, present: this.present.has(participant.id) };
  }

  /** Saves a local participant's state and tells the other app servers. */
  private share(participant: Participant): void {
    const member = this.recordOf(participant);
    void (async () => {
      await this.directory.saveMember(this.name, member);
      await this.directory.publish(this.name, { type: 'member', member });
    })().catch((error: Error) => this.logger.warn({ err: error.message }, 'cannot share a participant with the other app servers'));
  }

  private isKnown(participantId: string): boolean {
    return this.present.has(participantId) || this.remotes.get(participantId)?.present === true;
  }

  private remoteInfos(): ParticipantInfo[] {
    return [...this.remotes.values()].filter((member) => member.present).map((member) => member.info);
  }

  private remove(participant: Participant): void {
    if (this.participants.get(participant.id) !== participant) return;
    participant.cancelDeparture();
    this.participants.delete(participant.id);
    this.releaseMedia(participant);
    const wasPresent = this.present.delete(participant.id);
    if (wasPresent) this.broadcast({ type: 'participantLeft', participantId: participant.id });
    void (async () => {
      const member = await this.directory.findMember(this.name, participant.id);
      if (member && member.server !== this.directory.serverId) return;
      await this.directory.removeMember(this.name, participant.id);
      if (wasPresent) await this.directory.publish(this.name, { type: 'left', participantId: participant.id });
    })().catch((error: Error) => this.logger.warn({ err: error.message }, 'cannot remove a participant from the directory'));
    participant.phone?.hangUp();
    this.hangUpPhonesIfNoBrowserLeft();
    if (this.participants.size === 0) void this.close();
  }

  /** Phones do not keep a room alive: with the last browser gone, they are hung up. */
  private hangUpPhonesIfNoBrowserLeft(): void {
    const browserLeft =
      [...this.participants.values()].some((p) => p.kind === 'browser') || [...this.remotes.values()].some((m) => m.info.kind === 'browser');
    if (!browserLeft) for (const call of this.phoneCalls()) call.hangUp();
  }

  private endHere(reason: string): void {
    for (const participant of [...this.participants.values()]) {
      participant.channel?.close(CloseCode.sessionEnded, reason);
      participant.channel = undefined;
      this.remove(participant);
    }
  }

  private close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      clearTimeout(this.maxDurationTimer);
      this.closing = (async () => {
        await this.ready.catch(() => undefined);
        await this.unsubscribe?.().catch(() => undefined);
        await Promise.all(this.releasing);
        const { placements } = await this.directory.snapshot(this.name);
        await this.nodeRooms.destroyUnused(this.deps.pool.all, new Set(placements.values()));
      })().catch((error: Error) => this.logger.warn({ err: error.message }, 'could not release the room'));
      this.emit('closed');
    }
    return this.closing;
  }

  // -------------------------------------------------------------------------
  // Media

  /** Picks the participant's Janus node and makes sure the room's VideoRoom is there. */
  private async placeMedia(participant: Participant): Promise<JanusNode> {
    const node = await this.deps.placement.place(this.name, participant.id);
    participant.node = node;
    await this.nodeRooms.ensure(node);
    return node;
  }

  private createMedia(participant: Participant): Promise<ParticipantMedia> {
    return (async () => {
      const node = await this.placeMedia(participant);
      void this.directory.publish(this.name, { type: 'placed', node: node.url }).catch(() => undefined);
      void this.copyLocalFeedsTo(node);
      const media = await ParticipantMedia.create(node, this.nodeRooms.janusRoom, participant.id, this.logger.child({ participantId: participant.id }));
      media.on('feedLive', (feed) => void this.onLocalFeedLive(participant, feed));
      media.on('feedGone', (feed, feedId) => void this.onLocalFeedGone(participant, feed, feedId));
      return media;
    })();
  }

  private async mediaOf(participantId: string): Promise<ParticipantMedia> {
    const media = this.participants.get(participantId)?.media;
    if (!media) throw MediaError.unavailable('this participant has no media session yet');
    return media;
  }

  /** Local participants whose media was on a lost node publish again, wherever the placement now puts them. */
  private moveOff(url: string, reason: string): void {
    for (const participant of this.presentParticipants()) {
      if (!participant.channel || participant.node?.url !== url) continue;
      this.releaseMedia(participant);
      participant.channel.send({ type: 'mediaReset', reason });
      void this.startMedia(participant.id);
    }
  }

  private releaseMedia(participant: Participant): void {
    const media = participant.media;
    participant.media = undefined;
    participant.node = undefined;
    if (!media) return;
    const release: Promise<void> = media
      .then((m) => m.close())
      .catch(() => undefined)
      .finally(() => this.releasing.delete(release));
    this.releasing.add(release);
  }

  /** A phone that just answered hears every audio feed already on its node. */
  private mixRoomInto(phone: Participant): void {
    for (const record of this.feeds.values()) if (record.participantId !== phone.id) this.deliverToPhone(phone, record);
  }

  private async onLocalFeedLive(publisher: Participant, live: LiveFeed): Promise<void> {
    const node = publisher.node;
    if (!node || this.participants.get(publisher.id) !== publisher) return;
    const record: FeedRecord = {
      participantId: publisher.id,
      feed: live.feed,
      origin: node.url,
      copies: { [node.url]: live.feedId },
      streams: live.streams,
      ...(live.audioMid === undefined ? {} : { audioMid: live.audioMid }),
    };
    this.feeds.set(feedKey(publisher.id, live.feed), record);
    this.deliver(record);
    this.announceFeed(record);
    const { placements } = await this.directory.snapshot(this.name);
    for (const url of new Set(placements.values())) {
      const target = this.deps.pool.find(url);
      if (target && target !== node) void this.copyTo(record, target);
    }
  }

  private async onLocalFeedGone(publisher: Participant, feed: FeedKind, feedId: number): Promise<void> {
    const key = feedKey(publisher.id, feed);
    const record = this.feeds.get(key);
    if (!record || record.copies[record.origin] !== feedId) return;
    this.feeds.delete(key);
    await this.withdraw(record);
    this.dropCopies(record);
    if (this.participants.get(publisher.id) !== publisher) return;
    await this.directory.removeFeed(this.name, publisher.id, feed).catch(() => undefined);
    await this.directory.publish(this.name, { type: 'feedGone', participantId: publisher.id, feed }).catch(() => undefined);
  }

  private onRemoteFeed(record: FeedRecord): void {
    if (this.participants.has(record.participantId)) return;
    this.feeds.set(feedKey(record.participantId, record.feed), record);
    this.deliver(record);
  }

  private onRemoteFeedGone(participantId: string, feed: FeedKind): void {
    const key = feedKey(participantId, feed);
    const record = this.feeds.get(key);
    if (!record || this.participants.has(participantId)) return;
    this.feeds.delete(key);
    void this.withdraw(record);
  }

  /** A participant's media was placed on `node`: our local feeds must be copied there. */
  private copyLocalFeedsTo(node: JanusNode): void {
    for (const record of this.feeds.values()) if (this.participants.has(record.participantId)) void this.copyTo(record, node);
  }

  private async copyTo(record: FeedRecord, node: JanusNode): Promise<void> {
    const key = `${feedKey(record.participantId, record.feed)}@${node.url}`;
    if (record.copies[node.url] !== undefined || record.streams.length === 0 || this.copying.has(key)) return;
    this.copying.add(key);
    try {
      const origin = this.deps.pool.node(record.origin); // a local feed: published on one of our own nodes
      await this.nodeRooms.ensure(node);
      const copyId = await copyFeed(origin, node, {
        janusRoom: this.nodeRooms.janusRoom,
        feedId: record.copies[record.origin]!,
        display: `${record.participantId}:${record.feed}`,
        streams: record.streams,
      });
      if (this.feeds.get(feedKey(record.participantId, record.feed)) !== record) {
        await dropCopy(node, this.nodeRooms.janusRoom, copyId);
        return;
      }
      record.copies[node.url] = copyId;
      this.logger.debug({ participantId: record.participantId, feed: record.feed, janusNode: node.url, copyId }, 'copied feed to another node');
      this.deliver(record);
      this.announceFeed(record);
    } catch (error) {
      this.logger.warn({ participantId: record.participantId, janusNode: node.url, err: (error as Error).message }, 'cannot copy a feed to another node');
    } finally {
      this.copying.delete(key);
    }
  }

  private announceFeed(record: FeedRecord): void {
    void (async () => {
      await this.directory.saveFeed(this.name, record);
      await this.directory.publish(this.name, { type: 'feed', feed: record });
    })().catch((error: Error) => this.logger.warn({ err: error.message }, 'cannot share a feed with the other app servers'));
  }

  /** Every local participant (but its publisher) receives the feed, from its own node's copy. */
  private deliver(record: FeedRecord): void {
    for (const subscriber of this.presentParticipants()) {
      if (subscriber.id === record.participantId) continue;
      if (subscriber.phone) this.deliverToPhone(subscriber, record);
      else if (subscriber.media) {
        void subscriber.media.then(
          (media) => this.subscribe(subscriber, media, record),
          () => undefined,
        );
      }
    }
  }

  private deliverToPhone(phone: Participant, record: FeedRecord): void {
    const copyId = phone.node ? record.copies[phone.node.url] : undefined;
    if (record.audioMid !== undefined && copyId !== undefined) void phone.phone?.addSource(copyId, record.audioMid);
  }

  /** The feed ended: every local subscriber lets go of it. */
  private async withdraw(record: FeedRecord): Promise<void> {
    for (const subscriber of this.presentParticipants()) {
      const copyId = subscriber.node ? record.copies[subscriber.node.url] : undefined;
      if (subscriber.id === record.participantId || copyId === undefined) continue;
      if (subscriber.phone) void subscriber.phone.removeSource(copyId);
      const media = await subscriber.media?.catch(() => undefined);
      const dropped = (await media?.unsubscribe(copyId)) ?? [];
      for (const { pcId } of dropped) subscriber.channel?.send({ type: 'streamUnavailable', pcId, participantId: record.participantId, feed: record.feed });
    }
  }

  private async subscribe(subscriber: Participant, media: ParticipantMedia, record: FeedRecord): Promise<void> {
    const copyId = subscriber.node ? record.copies[subscriber.node.url] : undefined;
    if (copyId === undefined) return;
    try {
      const subscription = await media.subscribe(record.participantId, record.feed, copyId);
      if (!subscription) return;
      subscriber.channel?.send({
        type: 'subscribeOffer',
        pcId: subscription.pcId,
        participantId: record.participantId,
        feed: record.feed,
        sdp: subscription.offerSdp,
      });
    } catch (error) {
      this.logger.warn({ subscriber: subscriber.id, publisher: record.participantId, feed: record.feed, err: (error as Error).message }, 'subscription failed');
    }
  }

  private presentParticipants(): Participant[] {
    return [...this.present].map((id) => this.participants.get(id)).filter((p): p is Participant => p !== undefined);
  }

  private broadcast(message: ServerMessage, except?: Participant): void {
    for (const participant of this.presentParticipants()) if (participant !== except) participant.channel?.send(message);
  }

  /** A read-only count for the metrics. */
  /** What this server holds of the room, for the metrics (each app server reports its own share). */
  async stats(): Promise<RoomStats> {
    const present = this.presentParticipants();
    const stats: RoomStats = { participants: present.length, publishers: 0, subscriptions: 0, callsByState: noCalls() };
    for (const record of this.feeds.values()) if (this.participants.has(record.participantId)) stats.publishers += 1;
    for (const participant of present) stats.subscriptions += (await participant.media?.catch(() => undefined))?.subscriptionCount ?? 0;
    for (const call of this.phoneCalls()) stats.callsByState[call.state] += 1;
    return stats;
  }
}
