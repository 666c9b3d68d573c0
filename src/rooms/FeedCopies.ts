/**
 * The copies of this server's feeds on the other Janus nodes the room
 * uses. Each copy (see media/FeedCopy.ts) is made once per feed and node
 * and has one owner here: dropping it releases it on both nodes, even when
 * it is dropped while still being made.
 */
import type { JanusNode } from '../media/JanusNode.js';
import { FeedCopy } from '../media/FeedCopy.js';
import type { RemoteStreamSpec } from '../media/janus/videoroom.js';
import type { FailureLog } from '../support/failures.js';
import type { NodeRooms } from './NodeRooms.js';

export interface CopyRequest {
  key: string;
  origin: JanusNode;
  feedId: number;
  streams: RemoteStreamSpec[];
}

export class FeedCopies {
  /** By feed key, then target node URL: the copy, or its making. */
  private readonly copies = new Map<string, Map<string, Promise<FeedCopy | undefined>>>();

  constructor(
    private readonly nodeRooms: NodeRooms,
    private readonly failures: FailureLog,
  ) {}

  /**
   * Copies a feed to `target` unless it is there or on its way. Resolves
   * with the new copy, or undefined when there is nothing new to report
   * (already made, dropped meanwhile, or failed: failures are reported here).
   */
  make(request: CopyRequest, target: JanusNode): Promise<FeedCopy | undefined> {
    const perNode = this.copies.get(request.key) ?? new Map<string, Promise<FeedCopy | undefined>>();
    this.copies.set(request.key, perNode);
    if (perNode.has(target.url) || request.streams.length === 0) return Promise.resolve(undefined);
    const making: Promise<FeedCopy | undefined> = this.create(request, target).then(
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

  /** A node went down with its copies: nothing is left there to release. */
  forgetNode(nodeUrl: string): void {
    for (const perNode of this.copies.values()) perNode.delete(nodeUrl);
  }

  private async create(request: CopyRequest, target: JanusNode): Promise<FeedCopy> {
    await this.nodeRooms.ensure(target);
    return FeedCopy.create(
      { origin: request.origin, janusRoom: this.nodeRooms.janusRoom, feedId: request.feedId, display: request.key, streams: request.streams },
      target,
    );
  }

  private release(making: Promise<FeedCopy | undefined>, originGone: boolean): Promise<void> {
    // A copy still being made is closed by `make` once it exists: it is no longer the current one.
    return making.then((copy) => copy?.close({ originGone })).catch((error: unknown) => this.failures.report('cannot remove a feed copy', error));
  }
}
