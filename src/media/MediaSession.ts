/**
 * What a room sees of one participant's media on a Janus node, a page's and
 * a phone's alike: the feeds it publishes (events), and the feeds of others
 * it receives (a FeedSink). Rooms route feeds through this interface only,
 * so they never ask what kind of participant is on the other end.
 */
import type { EventEmitter } from 'node:events';
import type { FeedKind } from '../protocol/messages.js';
import type { JanusNode } from './JanusNode.js';
import type { RemoteStreamSpec } from './janus/videoroom.js';
import type { VideoSource } from './layerChoice.js';
import type { NodeCopy } from './FeedCopy.js';

/**
 * A feed of ours that others can receive now. `audioMid` names its audio
 * stream, if it sends audio; `streams` describe it for copies on other
 * nodes (empty when the VideoRoom cannot copy it).
 */
export interface LiveFeed {
  feed: FeedKind;
  feedId: number;
  audioMid: string | undefined;
  streams: RemoteStreamSpec[];
  /** Its video's picture, when it sends video and said how big. */
  video: VideoSource | undefined;
  /** How the session itself puts the feed on another node, for a feed the VideoRoom cannot copy (a phone's, see PhoneMixCopy). */
  copyTo?: (target: JanusNode, display: string) => Promise<NodeCopy>;
}

/** Another participant's feed, as it exists in the VideoRoom on the receiver's node (the original or a copy of it). */
export interface OfferedFeed {
  /** The same on every node and for every copy: see `feedKey`. */
  key: string;
  publisherId: string;
  feed: FeedKind;
  feedId: number;
  audioMid: string | undefined;
  /** Its streams as published (mids and types), when known. */
  streams: RemoteStreamSpec[];
  video: VideoSource | undefined;
}

export interface FeedSink {
  /**
   * Starts receiving a feed. Offering the same feed again is a no-op;
   * offering it with another `feedId` replaces what was received (the
   * copy it came from was made again).
   */
  receive(feed: OfferedFeed): void;
  /** The feed is gone from this node (its publisher left, or its copy was removed): stop receiving it. */
  release(key: string): void;
  /** Feeds being received, for the metrics. */
  readonly receivingCount: number;
}

export interface MediaSessionEvents {
  /** One of our feeds carries media: others can receive it. */
  feedLive: [feed: LiveFeed];
  /** One of our feeds stopped (unpublished, hung up, or its session closed). */
  feedGone: [feed: FeedKind, feedId: number];
  /** Janus dropped the session behind our back (it timed out, or was destroyed): everything on it is gone. */
  lost: [];
}

export interface MediaSession extends FeedSink, EventEmitter<MediaSessionEvents> {
  /** The Janus node the session lives on. */
  readonly node: JanusNode;
  /** Releases everything the session holds on Janus; idempotent. */
  close(): Promise<void>;
}

/** A participant's feed, named the same on every node and app server. */
export function feedKey(participantId: string, feed: FeedKind): string {
  return `${participantId}:${feed}`;
}
