/**
 * One participant's media on Janus: a session of its own, a VideoRoom
 * publisher handle per feed it sends, and a subscriber handle per remote
 * feed it receives. Closing it destroys the session, which makes Janus drop
 * every one of those handles at once.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { FeedKind, PeerConnectionId } from '../protocol/messages.js';
import type { JanusHandle, TrickleCandidate } from './janus/JanusHandle.js';
import type { JanusSession } from './janus/JanusSession.js';
import type { JanusNode } from './JanusNode.js';
import * as videoroom from './janus/videoroom.js';
import type { RemoteStreamSpec } from './janus/videoroom.js';
import { MediaError } from './mediaErrors.js';
import { publishedStreams, sentAudioMid } from './sdpStreams.js';

interface Publication {
  handle: JanusHandle;
  feedId: number;
  live: boolean;
  negotiated: boolean;
  audioMid: string | undefined;
  streams: RemoteStreamSpec[];
}

/**
 * A feed others can subscribe to; `audioMid` names its audio stream, if it
 * sends audio, and `streams` describe it for copies on other nodes (empty
 * when it cannot be copied).
 */
export interface LiveFeed {
  feed: FeedKind;
  feedId: number;
  audioMid: string | undefined;
  streams: RemoteStreamSpec[];
}

export interface Subscription {
  pcId: PeerConnectionId;
  publisherId: string;
  feed: FeedKind;
  feedId: number;
  handle?: JanusHandle;
}

interface ParticipantMediaEvents {
  /** One of our feeds carries media: others can subscribe to it now. */
  feedLive: [feed: LiveFeed];
  /** One of our feeds stopped (unpublished, hung up or closed). */
  feedGone: [feed: FeedKind, feedId: number];
  /** Janus dropped our session behind our back (e.g. it restarted). */
  lost: [];
}

export class ParticipantMedia extends EventEmitter<ParticipantMediaEvents> {
  private readonly publications = new Map<FeedKind, Publication>();
  private readonly subscriptions = new Map<PeerConnectionId, Subscription>();
  private nextSubscription = 1;
  private closing = false;

  private constructor(
    private readonly session: JanusSession,
    private readonly janusRoomId: number,
    private readonly participantId: string,
    private readonly logger: Logger,
  ) {
    super();
    session.once('closed', () => {
      if (!this.closing) this.emit('lost');
      this.dropAll();
    });
  }

  static async create(node: JanusNode, janusRoomId: number, participantId: string, logger: Logger): Promise<ParticipantMedia> {
    const session = await node.connection().createSession();
    return new ParticipantMedia(session, janusRoomId, participantId, logger.child({ janusSession: session.id }));
  }

  /** Publishes (or renegotiates) one feed with the browser's offer; resolves with Janus's answer. */
  async publish(feed: FeedKind, offerSdp: string): Promise<string> {
    let publication = this.publications.get(feed);
    if (!publication) {
      const handle = await this.session.attach(videoroom.VIDEOROOM_PLUGIN);
      const { feedId } = await videoroom.joinAsPublisher(handle, this.janusRoomId, `${this.participantId}:${feed}`);
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

  liveFeeds(): LiveFeed[] {
    return [...this.publications.entries()].filter(([, p]) => p.live).map(([feed, p]) => this.describe(feed, p));
  }

  /**
   * Subscribes to another participant's feed; resolves with Janus's offer, or
   * undefined when that exact feed is already subscribed (joins and feed
   * announcements can race).
   */
  async subscribe(publisherId: string, feed: FeedKind, feedId: number): Promise<Subscription & { offerSdp: string } | undefined> {
    if ([...this.subscriptions.values()].some((s) => s.feedId === feedId)) return undefined;
    const subscription: Subscription = { pcId: `sub-${this.nextSubscription++}`, publisherId, feed, feedId };
    this.subscriptions.set(subscription.pcId, subscription);
    try {
      const handle = await this.session.attach(videoroom.VIDEOROOM_PLUGIN);
      subscription.handle = handle;
      handle.once('closed', () => this.subscriptions.delete(subscription.pcId));
      const offer = await videoroom.joinAsSubscriber(handle, this.janusRoomId, feedId);
      return { ...subscription, offerSdp: offer.sdp };
    } catch (error) {
      this.subscriptions.delete(subscription.pcId);
      void subscription.handle?.detach();
      throw error;
    }
  }

  async answerSubscription(pcId: PeerConnectionId, answerSdp: string): Promise<void> {
    await videoroom.startSubscription(this.subscriptionHandle(pcId), { type: 'answer', sdp: answerSdp });
  }

  /** Removes and returns the subscriptions to one Janus feed. */
  async unsubscribe(feedId: number): Promise<Subscription[]> {
    const dropped = [...this.subscriptions.values()].filter((s) => s.feedId === feedId);
    for (const subscription of dropped) this.subscriptions.delete(subscription.pcId);
    await Promise.all(dropped.map((s) => s.handle?.detach()));
    return dropped;
  }

  async trickle(pcId: PeerConnectionId, candidate: TrickleCandidate | null): Promise<void> {
    await this.handleFor(pcId).trickle(candidate);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.session.destroy();
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
    const handle = this.subscriptions.get(pcId)?.handle;
    if (!handle) throw MediaError.unknownPeerConnection(pcId);
    return handle;
  }

  private watchPublication(feed: FeedKind, publication: Publication): void {
    const end = (): void => {
      if (this.publications.get(feed) !== publication) return;
      this.publications.delete(feed);
      if (publication.live) this.emit('feedGone', feed, publication.feedId);
    };
    publication.handle.on('event', (event) => {
      if (event.kind === 'webrtcup' && !publication.live) {
        publication.live = true;
        this.logger.debug({ feed, feedId: publication.feedId }, 'feed is live');
        this.emit('feedLive', this.describe(feed, publication));
      } else if (event.kind === 'hangup') {
        this.logger.debug({ feed, reason: event.reason }, 'publisher PeerConnection hung up');
        void publication.handle.detach();
      }
    });
    publication.handle.once('closed', end);
  }

  private describe(feed: FeedKind, publication: Publication): LiveFeed {
    return { feed, feedId: publication.feedId, audioMid: publication.audioMid, streams: publication.streams };
  }

  private dropAll(): void {
    for (const [feed, publication] of this.publications) {
      this.publications.delete(feed);
      if (publication.live) this.emit('feedGone', feed, publication.feedId);
    }
    this.subscriptions.clear();
  }

  /** How many remote feeds this participant receives, for the metrics. */
  get subscriptionCount(): number {
    return this.subscriptions.size;
  }
}
