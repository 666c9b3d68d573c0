/**
 * The media side of a room on this server: each local participant's media
 * session on the Janus node the placement picks, the room's live feeds
 * (this server's and the others'), their routing to every session, and the
 * copies of this server's feeds on every other node the room uses.
 *
 * It runs inside the room's queue: each method is called from a queued
 * change, and the slow work it starts (placing, opening a session, copying
 * a feed) comes back through the queue, where it first checks that what it
 * worked for still exists.
 */
import type { FeedKind } from '../protocol/messages.js';
import type { JanusNode } from '../media/JanusNode.js';
import type { JanusPool } from '../media/JanusPool.js';
import { feedKey, type LiveFeed, type MediaSession } from '../media/MediaSession.js';
import { MediaError } from '../media/mediaErrors.js';
import { PageMedia } from '../media/PageMedia.js';
import { removeOrphanedCopy } from '../media/FeedCopy.js';
import type { FeedRecord } from '../cluster/records.js';
import type { RoomDirectory } from '../cluster/RoomDirectory.js';
import type { MediaPlacement } from '../cluster/MediaPlacement.js';
import type { FailureLog } from '../support/failures.js';
import { waitAtMost } from '../support/time.js';
import type { Participant } from './Participant.js';
import type { NodeRooms } from './NodeRooms.js';
import type { RoomQueue } from './RoomSync.js';
import { FeedRouter } from './FeedRouter.js';
import { FeedCopies } from './FeedCopies.js';

export interface RoomMediaDeps {
  room: string;
  pool: JanusPool;
  placement: MediaPlacement;
  directory: RoomDirectory;
  nodeRooms: NodeRooms;
  queue: RoomQueue;
  failures: FailureLog;
  /** Whether this server holds the participant (its feeds are ours to announce and copy). */
  isLocal: (participantId: string) => boolean;
  /** Janus lost a participant's session behind our back. */
  onLost: (participant: Participant) => void;
}

/** How long a welcome waits for the offer its page's media is making (on a healthy node, a few milliseconds). */
const FIRST_OFFER_WAIT_MS = 250;

export class RoomMedia {
  readonly router = new FeedRouter();
  private readonly copies: FeedCopies;
  /** Where every member's media is, on this server or another: participant id to node URL. */
  private readonly placements = new Map<string, string>();
  /** Sessions being closed: the room's VideoRooms must outlive them. */
  private readonly closing = new Set<Promise<void>>();
  /** By feed key: how this server's feeds that the VideoRoom cannot copy are copied by their own session (phones'). */
  private readonly ownCopiers = new Map<string, NonNullable<LiveFeed['copyTo']>>();

  constructor(private readonly deps: RoomMediaDeps) {
    this.copies = new FeedCopies(deps.nodeRooms, deps.failures);
  }

  /** (Re)starts a participant's media: placed, opened, then adopted through the queue if still wanted. */
  start(participant: Participant): void {
    this.release(participant);
    const generation = participant.mediaGeneration;
    const media = this.open(participant).then(async (opened) => {
      let adopted: MediaSession | undefined;
      await this.deps.queue(() => {
        adopted = this.adopt(participant, generation, opened.node, opened.session);
      });
      if (!adopted) throw MediaError.unavailable('the media session was replaced while it opened');
      return adopted;
    });
    participant.media = media;
    media.catch((error: unknown) => {
      if (participant.mediaGeneration !== generation) return;
      this.deps.failures.report(`cannot set up media for participant ${participant.id}`, error);
      participant.opener.failed(participant, error instanceof MediaError ? error.message : 'the media server is unavailable; retrying');
    });
  }

  /**
   * The media `/joinCall` started for a page is usually done making its offer
   * of the room's feeds before the page connects; when it is not, the welcome
   * waits a little for it. A welcome that carries the offer lets the page
   * answer it first and lay out the meeting after; an offer that comes just
   * behind the welcome waits for all that layout work.
   */
  async firstOffer(participant: Participant | undefined): Promise<void> {
    const media = participant?.media;
    if (media) await waitAtMost(media.then((session) => (session instanceof PageMedia ? session.subscriptionIdle() : undefined)), FIRST_OFFER_WAIT_MS);
  }

  /**
   * Closes the media sessions of participants leaving together. Their
   * feeds end first, here: every receiver (the leaving ones too) lets go of
   * them before Janus drops them, so nobody asks Janus about a feed it is
   * destroying (a phone would stop a forwarder that is already gone); the
   * sessions' own `feedGone` then find nothing to do.
   */
  release(...participants: Participant[]): void {
    const leaving = new Set(participants.map((participant) => participant.id));
    for (const record of this.router.all()) if (leaving.has(record.participantId)) this.endFeed(record);
    for (const participant of participants) {
      participant.mediaGeneration += 1;
      participant.media = undefined;
      this.router.detach(participant.id);
      const session = participant.session;
      participant.session = undefined;
      participant.node = undefined;
      if (session) this.close(session);
    }
  }

  private close(session: MediaSession): void {
    const closed: Promise<void> = session
      .close()
      .catch((error: unknown) => this.deps.failures.report('cannot close a media session', error))
      .finally(() => this.closing.delete(closed));
    this.closing.add(closed);
  }

  /** Settles once every released session is closed. */
  async settled(): Promise<void> {
    while (this.closing.size > 0) await Promise.all(this.closing);
  }

  /** This server's live feeds, to write back after the directory lost them. */
  localFeeds(): FeedRecord[] {
    return this.router.all().filter((record) => this.deps.isLocal(record.participantId));
  }

  /** Nodes the room uses, by the placements of everyone in it. */
  nodesInUse(): Set<string> {
    return new Set(this.placements.values());
  }

  // ---- what other servers publish

  remoteFeed(record: FeedRecord): void {
    if (!this.deps.isLocal(record.participantId)) this.router.publish(record);
  }

  remoteFeedGone(participantId: string, feed: FeedKind): void {
    if (!this.deps.isLocal(participantId)) this.router.withdraw(feedKey(participantId, feed));
  }

  /**
   * Forgets the feeds of a member held elsewhere. Its copies on other nodes
   * are its server's to remove, unless that server is gone (`dropCopies`).
   */
  forgetPublisher(participantId: string, { dropCopies }: { dropCopies: boolean }): void {
    for (const record of this.router.all()) {
      if (record.participantId !== participantId) continue;
      this.router.withdraw(feedKey(participantId, record.feed));
      if (dropCopies) this.dropOrphanedCopies(record);
    }
  }

  // ---- placements

  placed(participantId: string, nodeUrl: string): void {
    this.placements.set(participantId, nodeUrl);
    const node = this.deps.pool.find(nodeUrl);
    if (node) this.copyLocalFeedsTo(node);
  }

  unplaced(participantId: string): void {
    const before = this.nodesInUse();
    this.placements.delete(participantId);
    const after = this.nodesInUse();
    for (const url of before) if (!after.has(url)) this.dropLocalCopiesOn(url);
  }

  /** The placements as the directory has them (a snapshot), this server's own kept as they are. */
  replacePlacements(placements: Map<string, string>): void {
    for (const id of [...this.placements.keys()]) if (!this.deps.isLocal(id) && !placements.has(id)) this.unplaced(id);
    for (const [id, url] of placements) if (!this.deps.isLocal(id)) this.placed(id, url);
  }

  // ---- nodes

  /** A node went down with every session, feed and copy on it (its sessions report their own loss). */
  nodeDown(node: JanusNode): void {
    this.deps.nodeRooms.forget(node);
    this.copies.forgetNode(node.url);
    for (const record of this.localFeeds()) {
      if (record.origin === node.url || record.copies[node.url] === undefined) continue;
      delete record.copies[node.url];
      this.announce(record);
    }
  }

  /** A node came back empty: the room's VideoRoom is made again there when next needed. */
  nodeUp(node: JanusNode): void {
    this.deps.nodeRooms.forget(node);
  }

  stats(): { publishers: number; subscriptions: number } {
    return { publishers: this.localFeeds().length, subscriptions: this.router.receivingCount };
  }

  // ---- local sessions

  private async open(participant: Participant): Promise<{ node: JanusNode; session: MediaSession }> {
    const node = await this.deps.placement.place(this.deps.room, participant.id);
    if (!node) throw MediaError.unavailable('the participant left while its media was placed');
    await this.deps.nodeRooms.ensure(node);
    return { node, session: await participant.opener.open(participant, node, this.deps.nodeRooms.janusRoom) };
  }

  /** Takes an opened session into the room, unless it opened for a start that is over (then it is closed). */
  private adopt(participant: Participant, generation: number, node: JanusNode, session: MediaSession): MediaSession | undefined {
    if (participant.mediaGeneration !== generation || !this.deps.isLocal(participant.id)) {
      this.deps.failures.watch('cannot close an unwanted media session', session.close());
      return undefined;
    }
    participant.session = session;
    participant.node = node;
    session.on('feedLive', (live) => void this.deps.queue(() => this.feedLive(participant, session, live)));
    session.on('feedGone', (feed, feedId) => void this.deps.queue(() => this.feedGone(participant, feed, feedId)));
    session.on('lost', () =>
      void this.deps.queue(() => {
        if (participant.session === session) this.deps.onLost(participant);
      }),
    );
    this.placed(participant.id, node.url);
    this.router.attach(participant.id, node.url, session);
    return session;
  }

  private feedLive(publisher: Participant, session: MediaSession, live: LiveFeed): void {
    if (publisher.session !== session) return;
    const record: FeedRecord = {
      participantId: publisher.id,
      feed: live.feed,
      origin: session.node.url,
      copies: { [session.node.url]: live.feedId },
      streams: live.streams,
      ...(live.audioMid === undefined ? {} : { audioMid: live.audioMid }),
      ...(live.video === undefined ? {} : { video: live.video }),
    };
    const key = feedKey(publisher.id, live.feed);
    if (live.copyTo) this.ownCopiers.set(key, live.copyTo);
    else this.ownCopiers.delete(key);
    this.router.publish(record);
    this.announce(record);
    for (const url of this.nodesInUse()) {
      const target = this.deps.pool.find(url);
      if (target) this.copy(record, target);
    }
  }

  private feedGone(publisher: Participant, feed: FeedKind, feedId: number): void {
    const record = this.router.feed(feedKey(publisher.id, feed));
    if (record && record.participantId === publisher.id && record.copies[record.origin] === feedId) this.endFeed(record);
  }

  /** One of this server's feeds ended (or is ending with its session): receivers, copies and directory let go of it. */
  private endFeed(record: FeedRecord): void {
    const key = feedKey(record.participantId, record.feed);
    this.router.withdraw(key);
    this.ownCopiers.delete(key);
    this.deps.failures.watch(`cannot remove the copies of ${key}`, this.copies.dropAll(key, true));
    this.deps.failures.watch(`cannot withdraw ${key} from the directory`, this.deps.directory.removeFeed(this.deps.room, record.participantId, record.feed));
  }

  // ---- copies of this server's feeds

  private copyLocalFeedsTo(node: JanusNode): void {
    for (const record of this.localFeeds()) this.copy(record, node);
  }

  private copy(record: FeedRecord, target: JanusNode): void {
    const origin = this.deps.pool.find(record.origin);
    const originFeedId = record.copies[record.origin];
    if (!origin || target === origin || originFeedId === undefined) return;
    const key = feedKey(record.participantId, record.feed);
    const request = { key, origin, feedId: originFeedId, streams: record.streams, copyTo: this.ownCopiers.get(key) };
    void this.copies.make(request, target).then((copy) =>
      this.deps.queue(() => {
        // The feed may have ended, or been published again, while the copy was made.
        if (!copy || this.router.feed(key) !== record) return;
        record.copies[target.url] = copy.feedId;
        this.router.publish(record);
        this.announce(record);
      }),
    );
  }

  private dropLocalCopiesOn(nodeUrl: string): void {
    for (const record of this.localFeeds()) {
      if (record.origin === nodeUrl || record.copies[nodeUrl] === undefined) continue;
      delete record.copies[nodeUrl];
      this.copies.drop(feedKey(record.participantId, record.feed), nodeUrl, false);
      this.router.publish(record);
      this.announce(record);
    }
  }

  /** The copies a dead app server left on other nodes (its feeds' origins went down with its sessions). */
  private dropOrphanedCopies(record: FeedRecord): void {
    for (const [url, copyId] of Object.entries(record.copies)) {
      const node = this.deps.pool.find(url);
      if (node && url !== record.origin) this.deps.failures.watch('cannot remove an orphaned feed copy', removeOrphanedCopy(node, this.deps.nodeRooms.janusRoom, copyId));
    }
  }

  private announce(record: FeedRecord): void {
    this.deps.failures.watch('cannot share a feed with the other app servers', this.deps.directory.saveFeed(this.deps.room, record));
  }
}
