/**
 * A page's one subscription: a multistream VideoRoom subscriber handle on
 * Janus and one receiving RTCPeerConnection on the page, for every feed the
 * page receives. Feeds come and go by renegotiation over that connection
 * (no new ICE or DTLS), one negotiation at a time: changes that arrive while
 * Janus's offer waits for the page's answer are made together after it.
 * Each video stream is sent at the layer its tile needs (`configure`, no
 * renegotiation), or paused while its tile is off screen.
 *
 * A page alone in its room has its connection made all the same, on its
 * own camera's audio, paused (Janus subscribes only to live feeds, so it
 * can only be made once that feed is): the first person to come then
 * costs a renegotiation, not an ICE and DTLS handshake on a new connection.
 *
 * Janus also offers on its own: when a remote publisher (a phone, a copy
 * from another node) goes away, it renegotiates every subscription to it,
 * whatever `autoupdate` says, or queues that offer until the current one is
 * answered ("updating"). Such offers reach the handle as events and go to
 * the page like ours.
 */
import type { Logger } from 'pino';
import type { PeerConnectionId, ServerMessage, SubscribedStreamInfo } from '../protocol/messages.js';
import type { JanusHandle, TrickleCandidate } from './janus/JanusHandle.js';
import type { JanusSession } from './janus/JanusSession.js';
import * as videoroom from './janus/videoroom.js';
import {
  configureStreams,
  joinSubscription,
  missingFeedOf,
  readOffer,
  readSubstreamSwitch,
  startSubscription,
  updateSubscription,
  type StreamRequest,
  type StreamSetting,
  type SubscribedStream,
  type SubscriptionUpdate,
} from './janus/videoroomSubscriber.js';
import { chooseLayer, type LayerChoice, type VideoWant } from './layerChoice.js';
import { LayerSwitches } from './LayerSwitches.js';
import { MediaError } from './mediaErrors.js';
import type { OfferedFeed } from './MediaSession.js';
import type { FailureLog } from '../support/failures.js';

/** What a feed is received at before the page has said how it shows it: its smallest layer. */
const SMALLEST_TILE: VideoWant = { width: 1, height: 1, lowFrameRate: false };

export type SubscriptionNotice = Extract<ServerMessage, { type: 'subscriptionOffer' }>;

/** One stream of a feed of the page itself (see PageSubscriber). */
export interface SubscriptionAnchor {
  feedId: number;
  mid: string;
}

export interface PageSubscriberOptions {
  janusRoom: number;
  nextPcId: () => PeerConnectionId;
  notify: (notice: SubscriptionNotice) => void;
  failures: FailureLog;
}

export class PageSubscriber {
  /** The feeds the page should receive, by feed key. */
  private readonly wanted = new Map<string, OfferedFeed>();
  /** How the page shows each feed's video, by feed key; a feed it does not list gets no video. Unknown until the page first says. */
  private view: Map<string, VideoWant> | undefined;
  /**
   * The last layer configured for each mid, so only changes are sent. A
   * stream starts with the layer it was subscribed at. Every `configure`
   * makes Janus ask the publisher for a keyframe, and a browser ignores a
   * request that follows another within a few hundred milliseconds: layers
   * are therefore configured only once the connection is up, so that the
   * request Janus makes at that moment is the one the publisher answers.
   */
  private readonly configured = new Map<string, StreamSetting>();
  /** Substream switches Janus has still to make, configured again if they take too long. */
  private readonly switches = new LayerSwitches((mid) => this.enqueue('cannot set the layers of a subscription', () => this.configureAgain(mid)));
  /** Layers asked for in the last subscribe, by publisher and its mid, until Janus names the streams. */
  private requested = new Map<string, LayerChoice>();
  private handle: JanusHandle | undefined;
  /** The page's own live camera feed, the stream the connection is made on while nothing else is received. */
  private anchor: SubscriptionAnchor | undefined;
  /** Whether the handle joined the room as a subscriber (later changes are updates). */
  private joined = false;
  /** The subscription's streams as Janus last listed them. */
  private streams: SubscribedStream[] = [];
  /** The page's receiving connection for the current handle. */
  private pcId: PeerConnectionId | undefined;
  /** Whether that connection is up (Janus said `webrtcup`). */
  private mediaUp = false;
  /** Janus's offer that waits for the page's answer. */
  private offerWithPage: SubscriptionNotice | undefined;
  /** An update is on its way to Janus, or Janus said it will send its offer later: further changes wait. */
  private requesting = false;
  private closed = false;
  /** Requests on the handle go one after another. */
  private chain: Promise<void> = Promise.resolve();
  private readonly logger: Logger;

  constructor(
    private readonly session: JanusSession,
    private readonly options: PageSubscriberOptions,
  ) {
    this.logger = options.failures.logger;
  }

  receive(feed: OfferedFeed): void {
    const current = this.wanted.get(feed.key);
    if (current?.feedId === feed.feedId) return;
    this.wanted.set(feed.key, feed);
    this.renegotiate();
  }

  release(key: string): void {
    if (this.wanted.delete(key)) this.renegotiate();
  }

  /** The page's own camera went live (or ended: undefined): while it receives nothing else, its connection is made on it. */
  anchorOn(anchor: SubscriptionAnchor | undefined): void {
    this.anchor = anchor;
    if (anchor) this.renegotiate();
  }

  get receivingCount(): number {
    return this.wanted.size;
  }

  /** The page's tiles changed: every video stream gets the layer its tile needs, or none. */
  setView(view: Map<string, VideoWant>): void {
    this.view = view;
    this.enqueue('cannot set the layers of a subscription', () => this.configureLayers());
  }

  /** The page's answer to the last offer: the negotiation is complete, and waiting changes go ahead. */
  async answer(pcId: PeerConnectionId, answerSdp: string): Promise<void> {
    const handle = this.handle;
    if (!handle || pcId !== this.pcId || !this.offerWithPage) throw MediaError.unknownPeerConnection(pcId);
    this.offerWithPage = undefined;
    await startSubscription(handle, { type: 'answer', sdp: answerSdp });
    this.enqueue('cannot set the layers of a subscription', () => this.configureLayers());
    this.renegotiate();
  }

  async trickle(pcId: PeerConnectionId, candidate: TrickleCandidate | null): Promise<void> {
    if (!this.handle || pcId !== this.pcId) throw MediaError.unknownPeerConnection(pcId);
    await this.handle.trickle(candidate);
  }

  /** Whether `pcId` names this subscription's connection. */
  owns(pcId: PeerConnectionId): boolean {
    return pcId === this.pcId;
  }

  /** The session is being destroyed, and the handle with it. */
  close(): void {
    this.closed = true;
    this.switches.clear();
  }

  /** Settles once the changes asked so far are made: an offer waits for the page, or nothing needed one. */
  idle(): Promise<void> {
    return this.chain;
  }

  /** The offer that waits for the page's answer, if any (made before the page connected, it is handed over with the welcome). */
  get pendingOffer(): SubscriptionNotice | undefined {
    return this.offerWithPage;
  }

  private get negotiating(): boolean {
    return this.offerWithPage !== undefined || this.requesting;
  }

  private renegotiate(): void {
    if (!this.negotiating) this.enqueue('cannot update a subscription', () => this.negotiate());
  }

  private enqueue(what: string, task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((error: unknown) => {
      if (!this.closed) this.options.failures.report(what, error);
    });
  }

  /** Makes Janus's subscription match the wanted feeds, in one request, and hands its offer to the page. */
  private async negotiate(): Promise<void> {
    if (this.closed || this.negotiating) return;
    const { subscribe, unsubscribe } = this.changes();
    if (subscribe.length === 0 && unsubscribe.length === 0) return;
    this.requesting = true;
    try {
      const handle = this.handle ?? (await this.attach());
      const joining = !this.joined;
      const update = joining
        ? await joinSubscription(handle, this.options.janusRoom, subscribe)
        : await updateSubscription(handle, { subscribe, unsubscribe });
      this.joined = true;
      // Janus put the change off until its own offer is answered: that offer comes as an event, with ours after it.
      if (update.postponed) return;
      if (joining) await this.pauseAnchor(handle, update.streams);
      this.requesting = false;
      this.present(update);
    } catch (error) {
      this.requesting = false;
      // A feed that left while it was being added: forget it, and try the rest again.
      const missing = missingFeedOf(error);
      if (missing === undefined) throw error;
      this.logger.debug({ feedId: missing }, 'a feed ended while it was being subscribed');
      if (this.anchor?.feedId === missing) this.anchor = undefined;
      for (const [key, feed] of this.wanted) if (feed.feedId === missing) this.wanted.delete(key);
    } finally {
      if (!this.negotiating && !this.closed) this.renegotiate();
    }
  }

  /** Takes Janus's listing of the subscription, and hands its offer (if it made one) to the page. */
  private present(update: SubscriptionUpdate): void {
    if (update.streams) this.onStreams(update.streams);
    if (!update.offer || this.closed) return;
    this.pcId ??= this.options.nextPcId();
    this.offerWithPage = { type: 'subscriptionOffer', pcId: this.pcId, sdp: update.offer.sdp, streams: this.mapping() };
    this.logger.trace({ streams: this.offerWithPage.streams.length }, 'subscription offer ready');
    this.options.notify(this.offerWithPage);
  }

  private async attach(): Promise<JanusHandle> {
    const handle = await this.session.attach(videoroom.VIDEOROOM_PLUGIN);
    this.handle = handle;
    handle.on('event', (event) => {
      if (this.handle !== handle) return;
      if (event.kind === 'hangup') this.restart(handle, event.reason);
      const switched = event.kind === 'plugin' ? readSubstreamSwitch(event.reply) : undefined;
      if (switched) this.switches.reached(switched.mid, switched.substream);
      if (event.kind === 'webrtcup') {
        this.mediaUp = true;
        this.enqueue('cannot set the layers of a subscription', () => this.configureLayers());
      }
      const offered = event.kind === 'plugin' ? readOffer(event.reply) : undefined;
      if (offered) {
        this.requesting = false;
        this.present(offered);
      }
    });
    return handle;
  }

  /**
   * Janus hung up the page's receiving connection (ICE or DTLS failed): the
   * subscription starts over on a new handle, and the page gets an offer
   * for a new connection (a new pcId tells it so).
   */
  private restart(handle: JanusHandle, reason: string): void {
    this.logger.info({ reason }, 'the receiving connection was hung up; subscribing again');
    this.handle = undefined;
    this.joined = false;
    this.streams = [];
    this.pcId = undefined;
    this.mediaUp = false;
    this.offerWithPage = undefined;
    this.requesting = false;
    this.configured.clear();
    this.switches.clear();
    this.options.failures.watch('cannot detach a hung-up subscription', handle.detach());
    this.renegotiate();
  }

  /**
   * Janus sends whatever a subscription joins with until told otherwise: the page's own audio is paused
   * before the page has the offer, so not one packet of it comes back. It stays paused (no layer is ever
   * chosen for it) until its feed ends.
   */
  private async pauseAnchor(handle: JanusHandle, streams: SubscribedStream[] | undefined): Promise<void> {
    const own = streams?.filter((stream) => stream.active && stream.feed_id !== undefined && stream.feed_id === this.anchor?.feedId) ?? [];
    if (own.length > 0) await configureStreams(handle, own.map((stream) => ({ mid: stream.mid, send: false })));
  }

  /**
   * What to add (wanted feeds without a stream yet, or the anchor to make the connection on while there are
   * none) and what to remove (streams of feeds no longer wanted; the anchor's stays, paused, as long as its feed).
   */
  private changes(): { subscribe: StreamRequest[]; unsubscribe: string[] } {
    if (!this.joined && this.wanted.size === 0) {
      return { subscribe: this.anchor ? [{ feed: this.anchor.feedId, mid: this.anchor.mid }] : [], unsubscribe: [] };
    }
    const active = this.streams.filter((stream) => stream.active && stream.feed_id !== undefined && stream.feed_id !== this.anchor?.feedId);
    const wantedIds = new Set([...this.wanted.values()].map((feed) => feed.feedId));
    const subscribedIds = new Set(active.map((stream) => stream.feed_id));
    const subscribe = [...this.wanted.values()].filter((feed) => !subscribedIds.has(feed.feedId)).flatMap((feed) => this.requestsFor(feed));
    const unsubscribe = active.filter((stream) => !wantedIds.has(stream.feed_id!)).map((stream) => stream.mid);
    return { subscribe, unsubscribe };
  }

  /** A feed's streams, its video at the layer its tile needs (the smallest, before the page says), to show a first frame soonest. */
  private requestsFor(feed: OfferedFeed): StreamRequest[] {
    if (feed.streams.length === 0) return [{ feed: feed.feedId }];
    return feed.streams.map((stream) => {
      if (stream.type !== 'video') return { feed: feed.feedId, mid: stream.mid };
      const layer = this.layerFor(feed);
      this.requested.set(`${feed.feedId}/${stream.mid}`, layer);
      return { feed: feed.feedId, mid: stream.mid, ...layer };
    });
  }

  private layerFor(feed: OfferedFeed): LayerChoice {
    return chooseLayer(feed.video, this.view ? this.view.get(feed.key) : SMALLEST_TILE);
  }

  private onStreams(streams: SubscribedStream[]): void {
    const feedOfMid = new Map(this.streams.map((stream) => [stream.mid, stream.feed_id]));
    this.streams = streams;
    // What was configured for a mid no longer holds once it carries nothing, or another feed: Janus reuses a
    // freed m-line for the next feed (even in the same update) and starts it afresh at what was subscribed.
    const unchanged = new Set(streams.filter((stream) => stream.active && stream.feed_id === feedOfMid.get(stream.mid)).map((stream) => stream.mid));
    for (const mid of [...this.configured.keys()]) {
      if (unchanged.has(mid)) continue;
      this.configured.delete(mid);
      this.switches.cancel(mid);
    }
    for (const stream of streams) {
      const layer = this.requested.get(`${stream.feed_id}/${stream.feed_mid}`);
      if (stream.active && layer && !this.configured.has(stream.mid)) this.configured.set(stream.mid, { mid: stream.mid, ...layer });
    }
    this.requested = new Map();
  }

  /** Which participant's feed each active stream carries, for the page to put tracks on tiles. */
  private mapping(): SubscribedStreamInfo[] {
    const byId = new Map([...this.wanted.values()].map((feed) => [feed.feedId, feed]));
    return this.streams.flatMap((stream) => {
      const feed = stream.feed_id === undefined ? undefined : byId.get(stream.feed_id);
      if (!stream.active || !feed || stream.type === 'data') return [];
      return [{ mid: stream.mid, participantId: feed.publisherId, feed: feed.feed, kind: stream.type }];
    });
  }

  private async configureLayers(): Promise<void> {
    const handle = this.handle;
    if (!handle || !this.mediaUp || this.closed) return;
    const byId = new Map([...this.wanted.values()].map((feed) => [feed.feedId, feed]));
    const settings: StreamSetting[] = [];
    for (const stream of this.streams) {
      const feed = stream.feed_id === undefined ? undefined : byId.get(stream.feed_id);
      if (!stream.active || stream.type !== 'video' || !feed) continue;
      const setting: StreamSetting = { mid: stream.mid, ...this.layerFor(feed) };
      const before = this.configured.get(stream.mid);
      if (before && settingKey(before) === settingKey(setting)) continue;
      this.configured.set(stream.mid, setting);
      settings.push(setting);
      if (setting.substream === undefined || !setting.send) this.switches.cancel(stream.mid);
      else if (setting.substream !== before?.substream || !before.send) this.switches.expect(stream.mid, setting.substream);
    }
    if (settings.length > 0) await configureStreams(handle, settings);
  }

  /** Sends a stream's layer setting again: Janus asks its publisher for a keyframe again. */
  private async configureAgain(mid: string): Promise<void> {
    const setting = this.configured.get(mid);
    if (!this.handle || !this.mediaUp || this.closed || !setting) return;
    await configureStreams(this.handle, [setting]);
  }
}

function settingKey(setting: StreamSetting): string {
  return JSON.stringify([setting.mid, setting.send, setting.substream, setting.temporal]);
}
