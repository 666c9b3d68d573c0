/**
 * Copies of a feed on other Janus nodes, for rooms that span nodes: the
 * target node gets a remote publisher described like the original, and the
 * origin node forwards the feed's RTP to it (`publish_remotely`), with RTCP
 * coming back so keyframe requests reach the real publisher. Subscribers on
 * the target node then subscribe to the copy as to any local feed.
 */
import { createHash } from 'node:crypto';
import type { JanusNode } from './JanusNode.js';
import * as videoroom from './janus/videoroom.js';

export interface CopySource {
  janusRoom: number;
  feedId: number;
  display: string;
  streams: videoroom.RemoteStreamSpec[];
}

/** Creates the copy on `to` and starts forwarding; resolves with the copy's feed id there. */
export async function copyFeed(from: JanusNode, to: JanusNode, source: CopySource): Promise<number> {
  const target = await to.controlHandle();
  const copy = await videoroom.addRemotePublisher(target, source.janusRoom, source.display, source.streams);
  try {
    await videoroom.publishRemotely(await from.controlHandle(), source.janusRoom, source.feedId, copyName(to), {
      host: rtpHost(to),
      port: copy.port,
      rtcpPort: copy.rtcpPort,
    });
  } catch (error) {
    await videoroom.removeRemotePublisher(target, source.janusRoom, copy.feedId).catch(() => undefined);
    throw error;
  }
  return copy.feedId;
}

/** Removes a copy; a node that is gone took its copies with it. */
export async function dropCopy(on: JanusNode, janusRoom: number, copyFeedId: number): Promise<void> {
  if (!on.isUp) return;
  await videoroom.removeRemotePublisher(await on.controlHandle(), janusRoom, copyFeedId).catch(() => undefined);
}

/** Janus receives plain RTP on the host its API is reached on. */
function rtpHost(node: JanusNode): string {
  return new URL(node.url).hostname;
}

/** The name of the forwarding on the origin node: one per target node. */
function copyName(to: JanusNode): string {
  return `copy-${createHash('sha256').update(to.url).digest('hex').slice(0, 16)}`;
}
