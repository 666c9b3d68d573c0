/**
 * A page's media on Janus: a session of its own, a VideoRoom publisher
 * handle per feed it sends, and a subscriber handle per remote feed it
 * receives. Closing it destroys the session, which makes Janus drop every
 * one of those handles at once.
 *
 * Subscriptions run on their own: a feed can be released, or the session
 * closed, while Janus is still answering for it. Each step checks that its
 * subscription is still the current one for its feed, and lets go of what
 * it made when it is not.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { FeedKind, PeerConnectionId, ServerMessage } from '../protocol/messages.js';
import type { JanusHandle, TrickleCandidate } from './janus/JanusHandle.js';
import type { JanusSession } from './janus/JanusSession.js';
import type { JanusNode } from './JanusNode.js';
import * as videoroom from './janus/videoroom.js';
import { MediaError } from './mediaErrors.js';
import { publishedStreams, sentAudioMid } from './sdpStreams.js';
import type { LiveFeed, MediaSession, MediaSessionEvents, OfferedFeed } from './MediaSession.js';
import type { FailureLog } from '../support/failures.js';

/**
 * Janus says nothing when it drops a session (a timeout, an operator): only
 * the next request learns it. A page's session is asked this often, so a
 * lost one is noticed, and the page told to start media again, within
 * seconds; a keepalive is the cheapest request Janus answers.
 */
const LIVENESS_PROBE_MS = 2_000;

/** What the page hears about its subscriptions. */
export type SubscriptionNotice = Extract<ServerMessage, { type: 'subscribeOffer' | 'streamUnavailable' }>;

export interface PageMediaOptions {
  janusRoom: number;
  participantId: string;
  /** Names the page's receiving connections; unique over the participant's whole stay, across media sessions. */
  nextPcId: () => PeerConnectionId;
  notify: (notice: SubscriptionNotice) => void;
  failures: FailureLog;
}

interface Publication {
  handle: JanusHandle;
  feedId: number;
  live: boolean;
  negotiated: boolean;
  audioMid: string | undefined;
  streams: videoroom.RemoteStreamSpec[];
}

interface Subscription {
  readonly feed: OfferedFeed;
  readonly pcId: PeerConnectionId;
  handle: JanusHandle | undefined;
  /** The page was sent the offer, so it must hear when the stream ends. */
  offered: boolean;
}

export class PageMedia extends EventEmitter<MediaSessionEvents> implements MediaSession {
  private readonly publications = new Map<FeedKind, Publication>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly byPcId = new Map<PeerConnectionId, Subscription>();
  private closing = false;
  private readonly logger: Logger;
  private readonly failures: FailureLog;

  private constructor(
    readonly node: JanusNode,
    private readonly session: JanusSession,
    private readonly options: PageMediaOptions,
  ) {
    super();
    this.failures = options.failures.child({ janusSession: session.id });
    this.logger = this.failures.logger;
    session.once('closed', () => {
      if (!this.closing) this.emit('lost');
      this.endPublications();
    });
  }

  static async create(node: JanusNode, options: PageMediaOptions): Promise<PageMedia> {
    return new PageMedia(node, await node.connection().createSession(LIVENESS_PROBE_MS), options);
  }

  /** Publishes (or renegotiates) one feed with the browser's offer; resolves with Janus's answer. */
  async publish(feed: FeedKind, offerSdp: string): Promise<string> {
    let publication = this.publications.get(feed);
    if (!publication) {
      const handle = await this.session.attach(videoroom.VIDEOROOM_PLUGIN);
      const { feedId } = await videoroom.joinAsPublisher(handle, this.options.janusRoom, `${this.options.participantId}:${feed}`);
      publication = { handle, feedId, live: false, negotiated: false, audioMid: undefined, streams: [] };
      this.publications.set(feed, publication);
      this.watchPublication(feed, publication);
    }
    const answer = await videoroom.publish(publication.handle, { type: 'offer', sdp: offerSdp }, !publication.negotiated);
    publication.negotiated = true;
    publication.audioMid = sentAudioMid(answer.sdp);
    publication.streams = publishedStreams(answer.sdp);
    return answer.sdp;
  }

  /** Stops one feed; a feed that already ended (e.g. Janus hung it up) needs nothing more. */
  async unpublish(feed: FeedKind): Promise<void> {
    await this.publications.get(feed)?.handle.detach();
  }

  receive(feed: OfferedFeed): void {
    const current = this.subscriptions.get(feed.key);
    if (current?.feed.feedId === feed.feedId || this.closing) return;
    if (current) this.drop(current);
    const subscription: Subscription = { feed, pcId: this.options.nextPcId(), handle: undefined, offered: false };
    this.subscriptions.set(feed.key, subscription);
    this.byPcId.set(subscription.pcId, subscription);
    this.subscribe(subscription).catch((error: unknown) => {
      if (!this.isCurrent(subscription)) {
        this.logger.debug({ feed: feed.key, err: (error as Error).message }, 'a feed ended while its subscription was made');
        return;
      }
      this.failures.report(`cannot subscribe to ${feed.key}`, error);
      this.drop(subscription);
    });
  }

  release(key: string): void {
    const subscription = this.subscriptions.get(key);
    if (subscription) this.drop(subscription);
  }

  get receivingCount(): number {
    return this.subscriptions.size;
  }

  async answerSubscription(pcId: PeerConnectionId, answerSdp: string): Promise<void> {
    await videoroom.startSubscription(this.subscriptionHandle(pcId), { type: 'answer', sdp: answerSdp });
  }

  async trickle(pcId: PeerConnectionId, candidate: TrickleCandidate | null): Promise<void> {
    await this.handleFor(pcId).trickle(candidate);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.subscriptions.clear();
    this.byPcId.clear();
    await this.session.destroy();
  }

  private async subscribe(subscription: Subscription): Promise<void> {
    const handle = await this.session.attach(videoroom.VIDEOROOM_PLUGIN);
    if (!this.isCurrent(subscription)) {
      await handle.detach();
      return;
    }
    subscription.handle = handle;
    const { feed } = subscription;
    const offer = await videoroom.joinAsSubscriber(handle, this.options.janusRoom, feed.feedId);
    if (!this.isCurrent(subscription)) return; // dropped meanwhile: its handle is detached already
    subscription.offered = true;
    this.options.notify({ type: 'subscribeOffer', pcId: subscription.pcId, participantId: feed.publisherId, feed: feed.feed, sdp: offer.sdp });
  }

  private isCurrent(subscription: Subscription): boolean {
    return !this.closing && this.subscriptions.get(subscription.feed.key) === subscription;
  }

  private drop(subscription: Subscription): void {
    const { feed, pcId } = subscription;
    this.subscriptions.delete(feed.key);
    this.byPcId.delete(pcId);
    if (subscription.handle) this.failures.watch('cannot detach a subscription', subscription.handle.detach());
    if (subscription.offered) this.options.notify({ type: 'streamUnavailable', pcId, participantId: feed.publisherId, feed: feed.feed });
  }

  private handleFor(pcId: PeerConnectionId): JanusHandle {
    if (pcId === 'pub-camera' || pcId === 'pub-screen') {
      const publication = this.publications.get(pcId === 'pub-camera' ? 'camera' : 'screen');
      if (!publication) throw MediaError.unknownPeerConnection(pcId);
      return publication.handle;
    }
    return this.subscriptionHandle(pcId);
  }

  private subscriptionHandle(pcId: PeerConnectionId): JanusHandle {
    const handle = this.byPcId.get(pcId)?.handle;
    if (!handle) throw MediaError.unknownPeerConnection(pcId);
    return handle;
  }

  private watchPublication(feed: FeedKind, publication: Publication): void {
    publication.handle.on('event', (event) => {
      if (event.kind === 'webrtcup' && !publication.live) {
        publication.live = true;
        this.logger.debug({ feed, feedId: publication.feedId }, 'feed is live');
        this.emit('feedLive', describe(feed, publication));
      } else if (event.kind === 'hangup') {
        this.logger.debug({ feed, reason: event.reason }, 'publisher PeerConnection hung up');
        this.failures.watch('cannot detach a hung-up publisher', publication.handle.detach());
      }
    });
    publication.handle.once('closed', () => this.endPublication(feed, publication));
  }

  private endPublication(feed: FeedKind, publication: Publication): void {
    if (this.publications.get(feed) !== publication) return;
    this.publications.delete(feed);
    if (publication.live) this.emit('feedGone', feed, publication.feedId);
  }

  private endPublications(): void {
    for (const [feed, publication] of [...this.publications]) this.endPublication(feed, publication);
  }
}

function describe(feed: FeedKind, publication: Publication): LiveFeed {
  return { feed, feedId: publication.feedId, audioMid: publication.audioMid, streams: publication.streams };
}
