/**
 * The copies of this server's feeds on the other Janus nodes the room
 * uses. Each copy (see media/FeedCopy.ts, or media/PhoneMixCopy.ts for a
 * phone's feed) is made once per feed and node and has one owner here:
 * dropping it releases it on both nodes, even when it is dropped while
 * still being made.
 */
import type { JanusNode } from '../media/JanusNode.js';
import { FeedCopy, type NodeCopy } from '../media/FeedCopy.js';
import type { LiveFeed } from '../media/MediaSession.js';
import type { RemoteStreamSpec } from '../media/janus/videoroom.js';
import type { FailureLog } from '../support/failures.js';
import type { NodeRooms } from './NodeRooms.js';

export interface CopyRequest {
  key: string;
  origin: JanusNode;
  feedId: number;
  streams: RemoteStreamSpec[];
  /** The publisher's own way to copy a feed the VideoRoom cannot copy (a phone's). */
  copyTo?: LiveFeed['copyTo'];
}

export class FeedCopies {
  /** By feed key, then target node URL: the copy, or its making. */
  private readonly copies = new Map<string, Map<string, Promise<NodeCopy | undefined>>>();

  constructor(
    private readonly nodeRooms: NodeRooms,
    private readonly failures: FailureLog,
  ) {}

  /**
   * Copies a feed to `target` unless it is there or on its way. Resolves
   * with the new copy, or undefined when there is nothing new to report
   * (already made, dropped meanwhile, or failed: failures are reported here).
   */
  make(request: CopyRequest, target: JanusNode): Promise<NodeCopy | undefined> {
    const perNode = this.copies.get(request.key) ?? new Map<string, Promise<NodeCopy | undefined>>();
    this.copies.set(request.key, perNode);
    if (perNode.has(target.url) || (request.streams.length === 0 && !request.copyTo)) return Promise.resolve(undefined);
    const making: Promise<NodeCopy | undefined> = this.create(request, target).then(
      async (copy) => {
        if (this.copies.get(request.key)?.get(target.url) === making) return copy;
        await copy.close({ originGone: false }).catch((error: unknown) => this.failures.report('cannot remove a feed copy', error));
        return undefined;
      },
      (error: unknown) => {
        if (this.copies.get(request.key)?.get(target.url) === making) perNode.delete(target.url);
        this.failures.report(`cannot copy ${request.key} to ${target.url}`, error);
        return undefined;
      },
    );
    perNode.set(target.url, making);
    return making;
  }

  /** Releases the feed's copy on one node. */
  drop(key: string, nodeUrl: string, originGone: boolean): void {
    const making = this.copies.get(key)?.get(nodeUrl);
    if (!making) return;
    this.copies.get(key)?.delete(nodeUrl);
    this.release(making, originGone);
  }

  /** Releases every copy of the feed; with `originGone`, the original is gone and took its forwarding with it. */
  dropAll(key: string, originGone: boolean): Promise<void> {
    const perNode = this.copies.get(key);
    this.copies.delete(key);
    return Promise.all([...(perNode?.values() ?? [])].map((making) => this.release(making, originGone))).then(() => undefined);
  }

  /** A node went down with its copies: what still sends to them from the origins stops (nothing is left on the node itself to remove). */
  forgetNode(nodeUrl: string): void {
    for (const perNode of this.copies.values()) {
      const making = perNode.get(nodeUrl);
      perNode.delete(nodeUrl);
      if (making) void this.release(making, false);
    }
  }

  private async create(request: CopyRequest, target: JanusNode): Promise<NodeCopy> {
    await this.nodeRooms.ensure(target);
    if (request.copyTo) return request.copyTo(target, request.key);
    return FeedCopy.create(
      { origin: request.origin, janusRoom: this.nodeRooms.janusRoom, feedId: request.feedId, display: request.key, streams: request.streams },
      target,
    );
  }

  private release(making: Promise<NodeCopy | undefined>, originGone: boolean): Promise<void> {
    // A copy still being made is closed by `make` once it exists: it is no longer the current one.
    return making.then((copy) => copy?.close({ originGone })).catch((error: unknown) => this.failures.report('cannot remove a feed copy', error));
  }
}
