/**
 * Routes the room's live feeds to the media sessions that receive them:
 * every participant (but the publisher) gets every feed, from the copy on
 * its own Janus node. Pages and phones are reached alike, through the
 * FeedSink interface; a sink on a node without a copy of a feed does not
 * get it until a copy is made there.
 */
import { feedKey, type FeedSink } from '../media/MediaSession.js';
import type { FeedRecord } from '../cluster/records.js';

interface Receiver {
  nodeUrl: string;
  sink: FeedSink;
}

export class FeedRouter {
  private readonly feeds = new Map<string, FeedRecord>();
  private readonly receivers = new Map<string, Receiver>();

  feed(key: string): FeedRecord | undefined {
    return this.feeds.get(key);
  }

  all(): FeedRecord[] {
    return [...this.feeds.values()];
  }

  /** A feed went live, or its copies changed: each receiver gets it from its node's copy, or lets go when its node has none. */
  publish(record: FeedRecord): void {
    this.feeds.set(feedKey(record.participantId, record.feed), record);
    for (const [participantId, receiver] of this.receivers) if (participantId !== record.participantId) offer(record, receiver);
  }

  /** The feed ended: every receiver lets go of it. */
  withdraw(key: string): FeedRecord | undefined {
    const record = this.feeds.get(key);
    if (!record) return undefined;
    this.feeds.delete(key);
    for (const receiver of this.receivers.values()) receiver.sink.release(key);
    return record;
  }

  /** A participant's media session is ready on a node: it receives every feed there is. */
  attach(participantId: string, nodeUrl: string, sink: FeedSink): void {
    const receiver = { nodeUrl, sink };
    this.receivers.set(participantId, receiver);
    for (const record of this.feeds.values()) if (record.participantId !== participantId) offer(record, receiver);
  }

  /** The session is going: closing it releases what it received. */
  detach(participantId: string): void {
    this.receivers.delete(participantId);
  }

  get receivingCount(): number {
    let count = 0;
    for (const { sink } of this.receivers.values()) count += sink.receivingCount;
    return count;
  }
}

function offer(record: FeedRecord, receiver: Receiver): void {
  const key = feedKey(record.participantId, record.feed);
  const feedId = record.copies[receiver.nodeUrl];
  if (feedId === undefined) receiver.sink.release(key);
  else receiver.sink.receive({ key, publisherId: record.participantId, feed: record.feed, feedId, audioMid: record.audioMid, streams: record.streams, video: record.video });
}
