/**
 * One copy of a feed on another Janus node, for rooms that span nodes: the
 * target node gets a remote publisher described like the original, and the
 * origin node forwards the feed's RTP to it (`publish_remotely`), with RTCP
 * coming back so keyframe requests reach the real publisher. Subscribers on
 * the target node then subscribe to the copy as to any local feed.
 *
 * A copy owns both halves and `close` releases both; each copy has a name
 * of its own on the origin, so a feed copied to a node again never meets
 * the remains of its earlier copy there.
 */
import { randomBytes } from 'node:crypto';
import type { JanusNode } from './JanusNode.js';
import * as videoroom from './janus/videoroom.js';

export interface CopySource {
  origin: JanusNode;
  janusRoom: number;
  feedId: number;
  display: string;
  streams: videoroom.RemoteStreamSpec[];
}

/** A feed's presence on another node, whatever carries it there: its feed id there, and how to take it away. */
export interface NodeCopy {
  /** The copy's feed id on the target node. */
  readonly feedId: number;
  /** Releases the copy; with `originGone`, the original is gone and took its forwarding with it. */
  close(options: { originGone: boolean }): Promise<void>;
}

export class FeedCopy implements NodeCopy {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly source: CopySource,
    readonly target: JanusNode,
    /** The copy's feed id on the target node. */
    readonly feedId: number,
    private readonly remoteId: string,
  ) {}

  /** Creates the copy on `target` and starts forwarding to it. */
  static async create(source: CopySource, target: JanusNode): Promise<FeedCopy> {
    const control = await target.controlHandle();
    const copy = await videoroom.addRemotePublisher(control, source.janusRoom, source.display, source.streams);
    const remoteId = `copy-${randomBytes(8).toString('hex')}`;
    try {
      await videoroom.publishRemotely(await source.origin.controlHandle(), source.janusRoom, source.feedId, remoteId, {
        host: rtpHost(target),
        port: copy.port,
        rtcpPort: copy.rtcpPort,
      });
    } catch (error) {
      await videoroom.removeRemotePublisher(control, source.janusRoom, copy.feedId).catch(() => undefined);
      throw error;
    }
    return new FeedCopy(source, target, copy.feedId, remoteId);
  }

  /**
   * Stops the forwarding (unless the original is gone, which ended it) and
   * removes the copy; a node that is down took its half with it.
   */
  close({ originGone }: { originGone: boolean }): Promise<void> {
    this.closing ??= (async () => {
      const { origin, janusRoom, feedId } = this.source;
      try {
        if (!originGone && origin.isUp) await videoroom.unpublishRemotely(await origin.controlHandle(), janusRoom, feedId, this.remoteId);
      } finally {
        if (this.target.isUp) await videoroom.removeRemotePublisher(await this.target.controlHandle(), janusRoom, this.feedId);
      }
    })();
    return this.closing;
  }
}

/** Removes a copy made by an app server that is gone (its members were taken over or dropped). */
export async function removeOrphanedCopy(target: JanusNode, janusRoom: number, copyFeedId: number): Promise<void> {
  if (target.isUp) await videoroom.removeRemotePublisher(await target.controlHandle(), janusRoom, copyFeedId);
}

/** Janus receives plain RTP on the host its API is reached on. */
export function rtpHost(node: JanusNode): string {
  return new URL(node.url).hostname;
}
