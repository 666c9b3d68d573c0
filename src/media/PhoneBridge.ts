/**
 * The media of one phone call on Janus. Browsers stay on the VideoRoom
 * (SFU); the phone, which has one plain RTP stream in G.711, gets a mixer
 * of its own: an AudioBridge room with two forwarding groups.
 *
 *   room feeds ──VideoRoom rtp_forward──▶ group "room" ──mix──▶ phone (G.711)
 *   phone (G.711) ──▶ group "phone" ──mix (Opus)──▶ VideoRoom remote publisher ──▶ browsers
 *
 * So the phone hears everyone else mixed, and the room receives the phone
 * as one more audio-only feed, subscribed to like any other. The bridge is
 * the phone's media session: rooms offer it feeds as they offer a page's.
 * In a room that spans nodes, the feeds of pages elsewhere come from their
 * copies on this node, and the phone's mix is forwarded once more to each
 * other node the room uses (see PhoneMixCopy).
 *
 * It owns everything it makes on Janus, and closing it releases all of it:
 * the forwarders from the room's feeds (they would outlive the call, since
 * they belong to the feeds' publishers), the phone's remote publisher (even
 * one still being added), the AudioBridge room (with every forwarder of its
 * mix) and the session. The copies of the phone's feed on other nodes
 * belong to the room, which removes them when the feed ends.
 */
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { JanusHandle } from './janus/JanusHandle.js';
import type { JanusSession } from './janus/JanusSession.js';
import type { JanusNode } from './JanusNode.js';
import * as audiobridge from './janus/audiobridge.js';
import * as videoroom from './janus/videoroom.js';
import type { LiveFeed, MediaSession, MediaSessionEvents, OfferedFeed } from './MediaSession.js';
import { PhoneMixCopy, type PhoneMix } from './PhoneMixCopy.js';
import type { FailureLog } from '../support/failures.js';

const PHONE_GROUP = 'phone';
const ROOM_GROUP = 'room';
/** Forwarders stay inside one Janus: AudioBridge and VideoRoom sockets listen on every address. */
const SAME_NODE = '127.0.0.1';

export interface RtpAddress {
  ip: string;
  port: number;
}

/** One room feed mixed into what the phone hears: an AudioBridge input fed by a VideoRoom forwarder. */
interface Source {
  readonly feed: OfferedFeed & { audioMid: string };
  input: JanusHandle | undefined;
  forwarderId: number | undefined;
  /** Its input joining the mixer and its forwarder being made; undefined until started. */
  mixing: Promise<void> | undefined;
}

export class PhoneBridge extends EventEmitter<MediaSessionEvents> implements MediaSession {
  private readonly sources = new Map<string, Source>();
  /** Feeds on their way out of the mix: the mixer outlives them. */
  private readonly leaving = new Set<Promise<void>>();
  /** The phone's own feed in the VideoRoom, from the moment it is asked for. */
  private publication: Promise<{ live: LiveFeed; port: number }> | undefined;
  private closing: Promise<void> | undefined;
  /** The phone's mix in Opus, as a remote publisher in the VideoRoom receives it; each forward of it ends with the mixer. */
  private readonly phoneMix: PhoneMix = {
    forward: (to) =>
      audiobridge.forwardGroup(this.mixer, {
        room: this.mixRoom,
        group: PHONE_GROUP,
        host: to.host,
        port: to.port,
        codec: 'opus',
        payloadType: videoroom.OPUS_PAYLOAD_TYPE,
        ssrc: videoroom.REMOTE_PUBLISHER_BASE_SSRC,
      }),
    stop: async (forwarderId) => {
      if (!this.closing && this.node.isUp) await audiobridge.stopForward(this.mixer, this.mixRoom, forwarderId);
    },
  };

  private constructor(
    readonly node: JanusNode,
    private readonly session: JanusSession,
    private readonly mixer: JanusHandle,
    /** The AudioBridge room that mixes the call. */
    readonly mixRoom: number,
    private readonly janusRoom: number,
    private readonly display: string,
    /** Where the AudioBridge listens for the phone's RTP: what our SDP offer announces. */
    readonly phoneRtp: RtpAddress,
    /** The phone's participant in the mixer, for a host's mute. */
    private readonly phoneId: number,
    private readonly failures: FailureLog,
  ) {
    super();
    session.once('closed', () => {
      if (!this.closing) this.emit('lost');
    });
  }

  static async create(node: JanusNode, janusRoom: number, display: string, codec: 'pcmu' | 'pcma', failures: FailureLog): Promise<PhoneBridge> {
    const session = await node.connection().createSession();
    try {
      const mixer = await session.attach(audiobridge.AUDIOBRIDGE_PLUGIN);
      const mixRoom = randomInt(1, 2 ** 47);
      await audiobridge.createRoom(mixer, mixRoom, [PHONE_GROUP, ROOM_GROUP]);
      const phoneLeg = await session.attach(audiobridge.AUDIOBRIDGE_PLUGIN);
      // The phone's share of the mix leaves through a forwarder (publish), so this participant only listens.
      const phone = await audiobridge.joinPlainRtp(phoneLeg, { room: mixRoom, display, group: PHONE_GROUP, codec });
      return new PhoneBridge(node, session, mixer, mixRoom, janusRoom, display, phone.rtp, phone.id, failures.child({ mixRoom }));
    } catch (error) {
      await session.destroy();
      throw error;
    }
  }

  /** Sends the room's mix to the phone, in the codec the call negotiated. */
  async connectPhone(to: RtpAddress, codec: 'pcmu' | 'pcma'): Promise<void> {
    await audiobridge.forwardGroup(this.mixer, { room: this.mixRoom, group: ROOM_GROUP, host: to.ip, port: to.port, codec });
  }

  /** Publishes the phone into the VideoRoom as an audio-only feed: `feedLive` tells the room. */
  async publish(): Promise<void> {
    if (this.closing || this.publication) return;
    this.publication = this.addRemotePublisher();
    const { live, port } = await this.publication;
    await this.phoneMix.forward({ host: SAME_NODE, port });
    if (!this.closing) this.emit('feedLive', live);
  }

  /** A host's mute: the mixer leaves the phone out, so the room hears nothing of it. */
  async setMuted(muted: boolean): Promise<void> {
    await audiobridge.setMuted(this.mixer, this.mixRoom, this.phoneId, muted);
  }

  receive(feed: OfferedFeed): void {
    const { audioMid } = feed;
    if (audioMid === undefined || this.closing) return;
    const current = this.sources.get(feed.key);
    if (current?.feed.feedId === feed.feedId) return;
    if (current) this.takeOut(current);
    const source: Source = { feed: { ...feed, audioMid }, input: undefined, forwarderId: undefined, mixing: undefined };
    this.sources.set(feed.key, source);
    source.mixing = this.mixIn(source);
    this.failures.watch(`cannot mix ${feed.key} into the phone call`, source.mixing);
  }

  release(key: string): void {
    const source = this.sources.get(key);
    if (source) this.takeOut(source);
  }

  get receivingCount(): number {
    return this.sources.size;
  }

  close(): Promise<void> {
    this.closing ??= this.releaseAll();
    return this.closing;
  }

  private async addRemotePublisher(): Promise<{ live: LiveFeed; port: number }> {
    const { feedId, port } = await videoroom.addAudioOnlyRemotePublisher(await this.node.controlHandle(), this.janusRoom, this.display);
    // Janus remotizes local publishers only: other nodes get the mix itself, forwarded once more.
    const copyTo = (target: JanusNode, display: string): Promise<PhoneMixCopy> => PhoneMixCopy.create(this.phoneMix, this.janusRoom, display, target);
    return { live: { feed: 'camera', feedId, audioMid: videoroom.REMOTE_AUDIO_MID, streams: [], video: undefined, copyTo }, port };
  }

  /** Joins a feed's input to the mixer and forwards the feed's audio to it; a source dropped meanwhile stops early (`drop` undoes the rest). */
  private async mixIn(source: Source): Promise<void> {
    const input = await this.session.attach(audiobridge.AUDIOBRIDGE_PLUGIN);
    source.input = input;
    if (!this.isCurrent(source)) return;
    const { rtp: { port } } = await audiobridge.joinPlainRtp(input, {
      room: this.mixRoom,
      display: `feed ${source.feed.feedId}`,
      group: ROOM_GROUP,
      codec: 'opus',
      payloadType: videoroom.OPUS_PAYLOAD_TYPE,
    });
    if (!this.isCurrent(source)) return;
    const control = await this.node.controlHandle();
    source.forwarderId = await videoroom.forwardAudio(control, this.janusRoom, source.feed.feedId, source.feed.audioMid, { host: SAME_NODE, port });
  }

  private isCurrent(source: Source): boolean {
    return !this.closing && this.sources.get(source.feed.key) === source;
  }

  /** A feed whose publisher is gone leaves the mix; the bridge's close waits for it. */
  private takeOut(source: Source): void {
    const leaving = this.drop(source, { publisherGone: true }).finally(() => this.leaving.delete(leaving));
    this.leaving.add(leaving);
    this.failures.watch(`cannot take ${source.feed.key} out of the phone call`, leaving);
  }

  /**
   * Takes a feed out of the mix. Its mixing-in runs to its end first: an
   * input handle detached while it joins the mixer stays in the mixer's
   * list after its session is freed, and destroying the mixer then crashes
   * Janus 1.1.2. A feed whose publisher is gone took its forwarder with it;
   * one that is still published (the call ends) keeps forwarding until told
   * to stop.
   */
  private async drop(source: Source, { publisherGone }: { publisherGone: boolean }): Promise<void> {
    this.sources.delete(source.feed.key);
    await source.mixing?.catch(() => undefined);
    try {
      if (!publisherGone) await this.stopForwarder(source);
    } finally {
      await source.input?.detach();
    }
  }

  private async stopForwarder(source: Source): Promise<void> {
    const forwarderId = source.forwarderId;
    source.forwarderId = undefined;
    if (forwarderId === undefined || !this.node.isUp) return;
    await videoroom.stopRtpForward(await this.node.controlHandle(), this.janusRoom, source.feed.feedId, forwarderId);
  }

  private async releaseAll(): Promise<void> {
    const sources = [...this.sources.values()];
    const results = await Promise.allSettled([
      ...sources.map((source) => this.drop(source, { publisherGone: false })),
      ...this.leaving,
      this.removePublication(),
    ]);
    for (const result of results) if (result.status === 'rejected') this.failures.report('cannot release part of a phone bridge', result.reason);
    if (this.node.isUp) await audiobridge.destroyRoom(this.mixer, this.mixRoom).catch((error: unknown) => this.failures.report('cannot destroy a phone mixer', error));
    await this.session.destroy();
  }

  /** Removes the phone's remote publisher, waiting for it if it is still being added, so none is left behind. */
  private async removePublication(): Promise<void> {
    const live = (await this.publication?.catch(() => undefined))?.live;
    if (!live) return;
    this.emit('feedGone', live.feed, live.feedId);
    if (this.node.isUp) await videoroom.removeRemotePublisher(await this.node.controlHandle(), this.janusRoom, live.feedId);
  }
}
