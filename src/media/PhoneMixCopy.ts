/**
 * A phone's feed on another Janus node, for rooms that span nodes. The
 * phone's feed is itself a remote publisher (fed by its AudioBridge), and
 * Janus 1.1.2 remotizes local publishers only, so `publish_remotely` cannot
 * copy it (see FeedCopy.ts). Instead the AudioBridge forwards the phone's
 * mix once more, straight to a remote publisher on the target node, which
 * the pages there subscribe to as they would to the original:
 *
 *   phone ──▶ AudioBridge group "phone" ──rtp_forward (Opus)──▶ remote publisher on node B ──▶ pages on B
 *
 * The copy owns the remote publisher on the target. The forwarder lives in
 * the bridge's mixer, so the bridge stops it when asked (and destroying
 * the mixer at the end of the call ends it anyway).
 */
import type { JanusNode } from './JanusNode.js';
import { rtpHost, type NodeCopy } from './FeedCopy.js';
import * as videoroom from './janus/videoroom.js';

/** The phone's mix as the bridge lends it out: one more forwarder of it, and its stop. */
export interface PhoneMix {
  /** Starts forwarding the phone's mix to `to`; resolves with the forwarder's id in the mixer. */
  forward(to: { host: string; port: number }): Promise<number>;
  stop(forwarderId: number): Promise<void>;
}

export class PhoneMixCopy implements NodeCopy {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly mix: PhoneMix,
    private readonly janusRoom: number,
    readonly target: JanusNode,
    readonly feedId: number,
    private readonly forwarderId: number,
  ) {}

  /** Adds the remote publisher on `target` and forwards the mix to it; a forward that fails removes the publisher again. */
  static async create(mix: PhoneMix, janusRoom: number, display: string, target: JanusNode): Promise<PhoneMixCopy> {
    const control = await target.controlHandle();
    const { feedId, port } = await videoroom.addAudioOnlyRemotePublisher(control, janusRoom, display);
    let forwarderId: number;
    try {
      forwarderId = await mix.forward({ host: rtpHost(target), port });
    } catch (error) {
      await videoroom.removeRemotePublisher(control, janusRoom, feedId).catch(() => undefined);
      throw error;
    }
    return new PhoneMixCopy(mix, janusRoom, target, feedId, forwarderId);
  }

  /** Stops the forwarder (unless the call's mixer is gone, which ended it) and removes the copy; a node that is down took its half with it. */
  close({ originGone }: { originGone: boolean }): Promise<void> {
    this.closing ??= (async () => {
      try {
        if (!originGone) await this.mix.stop(this.forwarderId);
      } finally {
        if (this.target.isUp) await videoroom.removeRemotePublisher(await this.target.controlHandle(), this.janusRoom, this.feedId);
      }
    })();
    return this.closing;
  }
}
