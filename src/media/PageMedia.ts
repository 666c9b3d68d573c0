/**
 * A page's media on Janus: a session of its own, a VideoRoom publisher
 * handle per feed it sends, and one subscription (PageSubscriber) for every
 * feed it receives. Closing it destroys the session, which makes Janus drop
 * every one of those handles at once.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { FeedKind, PeerConnectionId, SubscriptionOffer, TileView } from '../protocol/messages.js';
import type { JanusHandle, TrickleCandidate } from './janus/JanusHandle.js';
import type { JanusSession } from './janus/JanusSession.js';
import type { JanusNode } from './JanusNode.js';
import * as videoroom from './janus/videoroom.js';
import { MediaError } from './mediaErrors.js';
import { publishedStreams, sentAudioMid } from './sdpStreams.js';
import { feedKey, type LiveFeed, type MediaSession, type MediaSessionEvents, type OfferedFeed } from './MediaSession.js';
import { PageSubscriber, type SubscriptionNotice } from './PageSubscriber.js';
import type { VideoWant } from './layerChoice.js';
import type { FailureLog } from '../support/failures.js';

/**
 * Janus says nothing when it drops a session (a timeout, an operator): only
 * the next request learns it. A page's session is asked this often, so a
 * lost one is noticed, and the page told to start media again, within
 * seconds; a keepalive is the cheapest request Janus answers.
 */
const LIVENESS_PROBE_MS = 2_000;

export interface PageMediaOptions {
  janusRoom: number;
  participantId: string;
  /** Names the page's receiving connections; unique over the participant's whole stay, across media sessions. */
  nextPcId: () => PeerConnectionId;
  notify: (notice: SubscriptionNotice) => void;
  /** What a host stopped of the participant's media: Janus drops those streams of every feed (see `enforceBlocks`). */
  blocked: Readonly<Record<'audio' | 'video', boolean>>;
  failures: FailureLog;
}

interface Publication {
  handle: JanusHandle;
  feedId: number;
  live: boolean;
  negotiated: boolean;
  audioMid: string | undefined;
  streams: videoroom.RemoteStreamSpec[];
  video: { width: number; height: number } | undefined;
}

export class PageMedia extends EventEmitter<MediaSessionEvents> implements MediaSession {
  private readonly publications = new Map<FeedKind, Publication>();
  private readonly subscriber: PageSubscriber;
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
    this.subscriber = new PageSubscriber(session, { ...options, failures: this.failures });
    session.once('closed', () => {
      if (!this.closing) this.emit('lost');
      this.endPublications();
    });
  }

  static async create(node: JanusNode, options: PageMediaOptions): Promise<PageMedia> {
    return new PageMedia(node, await node.connection().createSession(LIVENESS_PROBE_MS), options);
  }

  /** Publishes (or renegotiates) one feed with the browser's offer; resolves with Janus's answer. `video` is its picture's size. */
  async publish(feed: FeedKind, offerSdp: string, video?: { width: number; height: number }): Promise<string> {
    let publication = this.publications.get(feed);
    if (!publication) {
      const handle = await this.session.attach(videoroom.VIDEOROOM_PLUGIN);
      const { feedId } = await videoroom.joinAsPublisher(handle, this.options.janusRoom, `${this.options.participantId}:${feed}`);
      publication = { handle, feedId, live: false, negotiated: false, audioMid: undefined, streams: [], video: undefined };
      this.publications.set(feed, publication);
      this.watchPublication(feed, publication);
    }
    const answer = await videoroom.publish(publication.handle, { type: 'offer', sdp: offerSdp }, !publication.negotiated);
    publication.negotiated = true;
    publication.audioMid = sentAudioMid(answer.sdp);
    publication.streams = publishedStreams(answer.sdp);
    publication.video = video;
    // Janus made the feed's streams from the offer: blocked ones are dropped before any packet of them arrives.
    if (this.options.blocked.audio || this.options.blocked.video) await this.enforcePublication(publication);
    return answer.sdp;
  }

  /** Makes Janus drop the streams a host stopped and forward the others again, on every feed published now. */
  async enforceBlocks(): Promise<void> {
    await Promise.all([...this.publications.values()].map((publication) => this.enforcePublication(publication)));
  }

  /** Stops one feed; a feed that already ended (e.g. Janus hung it up) needs nothing more. */
  async unpublish(feed: FeedKind): Promise<void> {
    await this.publications.get(feed)?.handle.detach();
  }

  receive(feed: OfferedFeed): void {
    if (!this.closing) this.subscriber.receive(feed);
  }

  release(key: string): void {
    this.subscriber.release(key);
  }

  get receivingCount(): number {
    return this.subscriber.receivingCount;
  }

  /** Settles once the subscription has made the offer it needs to (see PageSubscriber.idle). */
  subscriptionIdle(): Promise<void> {
    return this.subscriber.idle();
  }

  /** The subscription offer that waits for the page's answer, if any. */
  get pendingOffer(): SubscriptionOffer | undefined {
    const notice = this.subscriber.pendingOffer;
    return notice && { pcId: notice.pcId, sdp: notice.sdp, streams: notice.streams };
  }

  /** The page's tiles: each feed's video comes at the layer its tile needs, or not at all. */
  setView(tiles: TileView[]): void {
    const view = new Map<string, VideoWant>();
    for (const tile of tiles) {
      view.set(feedKey(tile.participantId, tile.feed), { width: tile.width, height: tile.height, lowFrameRate: tile.lowFrameRate === true, top: tile.top === true, lower: tile.lower ?? 0 });
    }
    this.subscriber.setView(view);
  }

  async answerSubscription(pcId: PeerConnectionId, answerSdp: string): Promise<void> {
    await this.subscriber.answer(pcId, answerSdp);
  }

  async trickle(pcId: PeerConnectionId, candidate: TrickleCandidate | null): Promise<void> {
    if (pcId === 'pub-camera' || pcId === 'pub-screen') {
      const publication = this.publications.get(pcId === 'pub-camera' ? 'camera' : 'screen');
      if (!publication) throw MediaError.unknownPeerConnection(pcId);
      await publication.handle.trickle(candidate);
    } else await this.subscriber.trickle(pcId, candidate);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.subscriber.close();
    await this.session.destroy();
  }

  private async enforcePublication(publication: Publication): Promise<void> {
    const { handle, feedId, streams } = publication;
    await Promise.all(streams.map((stream) => videoroom.moderate(handle, this.options.janusRoom, feedId, stream.mid, this.options.blocked[stream.type])));
  }

  private watchPublication(feed: FeedKind, publication: Publication): void {
    publication.handle.on('event', (event) => {
      if (event.kind === 'webrtcup' && !publication.live) {
        publication.live = true;
        this.logger.debug({ feed, feedId: publication.feedId }, 'feed is live');
        this.emit('feedLive', describe(feed, publication));
        if (feed === 'camera' && publication.audioMid !== undefined) this.subscriber.anchorOn({ feedId: publication.feedId, mid: publication.audioMid });
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
    if (feed === 'camera') this.subscriber.anchorOn(undefined);
    if (publication.live) this.emit('feedGone', feed, publication.feedId);
  }

  private endPublications(): void {
    for (const [feed, publication] of [...this.publications]) this.endPublication(feed, publication);
  }
}

function describe(feed: FeedKind, publication: Publication): LiveFeed {
  const simulcast = publication.streams.some((stream) => stream.type === 'video' && stream.simulcast === true);
  const video = publication.video && { ...publication.video, simulcast };
  return { feed, feedId: publication.feedId, audioMid: publication.audioMid, streams: publication.streams, video };
}
