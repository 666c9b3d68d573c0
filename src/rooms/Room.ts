/**
 * A meeting room: its participants and its VideoRoom on Janus. The room
 * keeps the seed's session-level subscription: every connected participant
 * receives every live feed of everyone else, as feeds come and go.
 */
import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { CloseCode, type FeedKind, type ParticipantInfo, type PeerConnectionId, type ServerMessage } from '../protocol/messages.js';
import type { JanusNode } from '../media/JanusNode.js';
import { ParticipantMedia, type LiveFeed } from '../media/ParticipantMedia.js';
import { MediaError } from '../media/mediaErrors.js';
import type { TrickleCandidate } from '../media/janus/JanusHandle.js';
import * as videoroom from '../media/janus/videoroom.js';
import type { PhoneCall } from '../telephony/PhoneCall.js';
import { newParticipantId, Participant } from './Participant.js';
import type { ParticipantChannel } from './ParticipantChannel.js';
import { formatDuration } from '../support/time.js';

export interface RoomSettings {
  /** How long a participant whose page vanished without saying goodbye stays in the room. */
  reconnectGraceMs: number;
  /** How long a `/joinCall` reservation waits for its page to connect. */
  invitationTtlMs: number;
  maxPublishers: number;
  bitrateBps: number;
  /** A meeting is ended this long after its room was created (the seed's maximum session length). */
  maxDurationMs: number;
}

/** A failed call's tile stays this long, so everyone can read why it failed. */
const FAILED_CALL_LINGER_MS = 4_000;

interface RoomEvents {
  /** The last participant left and the room released its media: drop it. */
  closed: [];
}

export class Room extends EventEmitter<RoomEvents> {
  private readonly participants = new Map<string, Participant>();
  /** Participants the others have been told about (joined and not yet left). */
  private readonly present = new Set<string>();
  private janusRoom: Promise<number> | undefined;
  private closed = false;
  private readonly maxDurationTimer: NodeJS.Timeout;
  /** Janus sessions being destroyed: the VideoRoom outlives them, or Janus reports their feeds' room missing. */
  private readonly releasing = new Set<Promise<void>>();
  private readonly logger: Logger;

  constructor(
    readonly name: string,
    private readonly node: JanusNode,
    private readonly settings: RoomSettings,
    logger: Logger,
  ) {
    super();
    this.logger = logger.child({ room: name });
    this.maxDurationTimer = setTimeout(() => void this.end(`the meeting reached its maximum length of ${formatDuration(settings.maxDurationMs)}`), settings.maxDurationMs);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get size(): number {
    return this.participants.size;
  }

  /** Reserves a place for a participant who will connect with the token `/joinCall` hands out. */
  invite(participantId: string, name: string): Participant {
    const participant = new Participant(participantId, name);
    this.participants.set(participantId, participant);
    participant.departureTimer = setTimeout(() => this.remove(participant), this.settings.invitationTtlMs);
    return participant;
  }

  lookupName(participantId: string): string | undefined {
    return this.participants.get(participantId)?.name;
  }

  /**
   * Attaches a page to its participant (creating the participant again if it
   * had gone, e.g. after a server restart) and returns what the welcome
   * message needs. A second page with the same token replaces the first.
   */
  connect(participantId: string, name: string, channel: ParticipantChannel): { self: ParticipantInfo; others: ParticipantInfo[] } {
    let participant = this.participants.get(participantId);
    if (!participant) {
      participant = new Participant(participantId, name);
      this.participants.set(participantId, participant);
    }
    participant.cancelDeparture();
    participant.channel?.close(CloseCode.replaced, 'replaced by a newer connection');
    participant.channel = channel;
    this.releaseMedia(participant);
    if (!this.present.has(participantId)) {
      this.present.add(participantId);
      this.broadcast({ type: 'participantJoined', participant: participant.info() }, participant);
    }
    const others = this.presentParticipants().filter((p) => p !== participant).map((p) => p.info());
    return { self: participant.info(), others };
  }

  /** Creates the participant's Janus session and subscribes it to every live feed in the room. */
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
    for (const publisher of this.presentParticipants()) {
      if (publisher === participant) continue;
      for (const { feed, feedId } of await this.liveFeedsOf(publisher)) void this.subscribe(participant, ready, publisher, feed, feedId);
    }
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
    call.on('state', (state) => {
      if (this.participants.get(participant.id) !== participant) return;
      this.broadcast({ type: 'participantUpdated', participant: participant.info() });
      if (state === 'ended') this.remove(participant);
      else if (state === 'failed') participant.departureTimer = setTimeout(() => this.remove(participant), FAILED_CALL_LINGER_MS);
      else if (state === 'answered') void this.mixRoomInto(call, participant);
    });
    call.on('feedLive', (feed) => this.onFeedLive(participant, feed));
    call.on('feedGone', ({ feed, feedId }) => void this.onFeedGone(participant, feed, feedId));
    void call.start(this.node, this.ensureJanusRoom());
    return { participantId: participant.id };
  }

  /** The room's phone calls, for hanging up. */
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
    participant.departureTimer = setTimeout(() => this.remove(participant), this.settings.reconnectGraceMs);
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
  }

  /**
   * Janus came back after losing everything (it restarted, or our connection
   * dropped): make the VideoRoom again and have every page publish again.
   */
  resetMedia(reason: string): void {
    this.janusRoom = undefined;
    for (const participant of this.presentParticipants()) {
      if (!participant.channel) continue;
      this.releaseMedia(participant);
      participant.channel.send({ type: 'mediaReset', reason });
      void this.startMedia(participant.id);
    }
  }

  /** Ends the room for everyone in it (the seed's `/endSession`). */
  async end(reason: string): Promise<void> {
    for (const participant of [...this.participants.values()]) {
      participant.channel?.close(CloseCode.sessionEnded, reason);
      participant.channel = undefined;
      this.remove(participant);
    }
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

  private createMedia(participant: Participant): Promise<ParticipantMedia> {
    return (async () => {
      const janusRoomId = await this.ensureJanusRoom();
      const media = await ParticipantMedia.create(this.node, janusRoomId, participant.id, this.logger.child({ participantId: participant.id }));
      media.on('feedLive', (feed) => this.onFeedLive(participant, feed));
      media.on('feedGone', (feed, feedId) => void this.onFeedGone(participant, feed, feedId));
      return media;
    })();
  }

  private async liveFeedsOf(participant: Participant): Promise<LiveFeed[]> {
    if (participant.phone) return participant.phone.liveFeed ? [participant.phone.liveFeed] : [];
    const media = await participant.media?.catch(() => undefined);
    return media?.liveFeeds() ?? [];
  }

  /** A phone that just answered hears every audio feed already in the room. */
  private async mixRoomInto(call: PhoneCall, phone: Participant): Promise<void> {
    for (const publisher of this.presentParticipants()) {
      if (publisher === phone) continue;
      for (const { feedId, audioMid } of await this.liveFeedsOf(publisher)) if (audioMid) void call.addSource(feedId, audioMid);
    }
  }

  private async mediaOf(participantId: string): Promise<ParticipantMedia> {
    const media = this.participants.get(participantId)?.media;
    if (!media) throw MediaError.unavailable('this participant has no media session yet');
    return media;
  }

  private ensureJanusRoom(): Promise<number> {
    if (!this.janusRoom) {
      const creation = (async () => {
        const handle = await this.node.controlHandle();
        const room = randomInt(1, 2 ** 47);
        await videoroom.createRoom(handle, {
          room,
          description: this.name.slice(0, 64),
          maxPublishers: this.settings.maxPublishers,
          bitrateBps: this.settings.bitrateBps,
        });
        this.logger.info({ janusRoom: room }, 'created VideoRoom');
        return room;
      })();
      this.janusRoom = creation;
      creation.catch(() => {
        if (this.janusRoom === creation) this.janusRoom = undefined;
      });
    }
    return this.janusRoom;
  }

  private onFeedLive(publisher: Participant, { feed, feedId, audioMid }: LiveFeed): void {
    for (const subscriber of this.presentParticipants()) {
      if (subscriber === publisher) continue;
      if (subscriber.phone && audioMid) void subscriber.phone.addSource(feedId, audioMid);
      if (!subscriber.media) continue;
      void subscriber.media.then(
        (subscriberMedia) => this.subscribe(subscriber, subscriberMedia, publisher, feed, feedId),
        () => undefined,
      );
    }
  }

  private async onFeedGone(publisher: Participant, feed: FeedKind, feedId: number): Promise<void> {
    for (const subscriber of this.presentParticipants()) {
      if (subscriber === publisher) continue;
      if (subscriber.phone) void subscriber.phone.removeSource(feedId);
      if (!subscriber.media) continue;
      const subscriberMedia = await subscriber.media.catch(() => undefined);
      const dropped = (await subscriberMedia?.unsubscribe(feedId)) ?? [];
      for (const { pcId } of dropped) subscriber.channel?.send({ type: 'streamUnavailable', pcId, participantId: publisher.id, feed });
    }
  }

  private async subscribe(subscriber: Participant, media: ParticipantMedia, publisher: Participant, feed: FeedKind, feedId: number): Promise<void> {
    try {
      const subscription = await media.subscribe(publisher.id, feed, feedId);
      if (!subscription) return;
      subscriber.channel?.send({
        type: 'subscribeOffer',
        pcId: subscription.pcId,
        participantId: publisher.id,
        feed,
        sdp: subscription.offerSdp,
      });
    } catch (error) {
      this.logger.warn({ subscriber: subscriber.id, publisher: publisher.id, feed, err: (error as Error).message }, 'subscription failed');
    }
  }

  private releaseMedia(participant: Participant): void {
    const media = participant.media;
    participant.media = undefined;
    if (!media) return;
    const release: Promise<void> = media
      .then((m) => m.close())
      .catch(() => undefined)
      .finally(() => this.releasing.delete(release));
    this.releasing.add(release);
  }

  private remove(participant: Participant): void {
    if (this.participants.get(participant.id) !== participant) return;
    participant.cancelDeparture();
    this.participants.delete(participant.id);
    this.releaseMedia(participant);
    if (this.present.delete(participant.id)) this.broadcast({ type: 'participantLeft', participantId: participant.id });
    participant.phone?.hangUp();
    // Phones do not keep a room alive: with the last browser gone, they are hung up.
    if (![...this.participants.values()].some((p) => p.kind === 'browser')) for (const call of this.phoneCalls()) call.hangUp();
    if (this.participants.size === 0) void this.close();
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.maxDurationTimer);
    this.emit('closed');
    const janusRoom = await this.janusRoom?.catch(() => undefined);
    await Promise.all(this.releasing);
    if (janusRoom === undefined || !this.node.isUp) return;
    try {
      await videoroom.destroyRoom(await this.node.controlHandle(), janusRoom);
      this.logger.info({ janusRoom }, 'destroyed VideoRoom');
    } catch (error) {
      this.logger.warn({ janusRoom, err: (error as Error).message }, 'could not destroy VideoRoom');
    }
  }

  private presentParticipants(): Participant[] {
    return [...this.present].map((id) => this.participants.get(id)).filter((p): p is Participant => p !== undefined);
  }

  private broadcast(message: ServerMessage, except?: Participant): void {
    for (const participant of this.presentParticipants()) if (participant !== except) participant.channel?.send(message);
  }
}
