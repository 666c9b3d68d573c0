/**
 * The media of one phone call on Janus. Browsers stay on the VideoRoom
 * (SFU); the phone, which has one plain RTP stream in G.711, gets a mixer
 * of its own: an AudioBridge room with two forwarding groups.
 *
 *   room feeds ──VideoRoom rtp_forward──▶ group "room" ──mix──▶ phone (G.711)
 *   phone (G.711) ──▶ group "phone" ──mix (Opus)──▶ VideoRoom remote publisher ──▶ browsers
 *
 * So the phone hears everyone else mixed, and the room receives the phone
 * as one more audio-only feed, subscribed to like any other.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { JanusHandle } from './janus/JanusHandle.js';
import type { JanusSession } from './janus/JanusSession.js';
import type { JanusNode } from './JanusNode.js';
import * as audiobridge from './janus/audiobridge.js';
import * as videoroom from './janus/videoroom.js';
import type { LiveFeed } from './ParticipantMedia.js';

const PHONE_GROUP = 'phone';
const ROOM_GROUP = 'room';
/** Forwarders stay inside one Janus: AudioBridge and VideoRoom sockets listen on every address. */
const SAME_NODE = '127.0.0.1';

export interface RtpAddress {
  ip: string;
  port: number;
}

export class PhoneBridge {
  private readonly sources = new Map<number, Promise<JanusHandle>>();
  private remoteFeedId: number | undefined;
  private closed = false;

  private constructor(
    private readonly node: JanusNode,
    private readonly session: JanusSession,
    private readonly mixer: JanusHandle,
    private readonly mixRoom: number,
    private readonly janusRoom: number,
    private readonly display: string,
    /** Where the AudioBridge listens for the phone's RTP: what our SDP offer announces. */
    readonly phoneRtp: RtpAddress,
    private readonly logger: Logger,
  ) {}

  static async create(node: JanusNode, janusRoom: number, display: string, codec: 'pcmu' | 'pcma', logger: Logger): Promise<PhoneBridge> {
    const session = await node.connection().createSession();
    try {
      const mixer = await session.attach(audiobridge.AUDIOBRIDGE_PLUGIN);
      const mixRoom = randomInt(1, 2 ** 47);
      await audiobridge.createRoom(mixer, mixRoom, [PHONE_GROUP, ROOM_GROUP]);
      const phoneLeg = await session.attach(audiobridge.AUDIOBRIDGE_PLUGIN);
      // The phone's share of the mix leaves through a forwarder (connectPhone), so this participant only listens.
      const phoneRtp = await audiobridge.joinPlainRtp(phoneLeg, { room: mixRoom, display, group: PHONE_GROUP, codec });
      return new PhoneBridge(node, session, mixer, mixRoom, janusRoom, display, phoneRtp, logger.child({ mixRoom }));
    } catch (error) {
      await session.destroy().catch(() => undefined);
      throw error;
    }
  }

  /** Sends the room's mix to the phone, in the codec the call negotiated. */
  async connectPhone(to: RtpAddress, codec: 'pcmu' | 'pcma'): Promise<void> {
    await audiobridge.forwardGroup(this.mixer, { room: this.mixRoom, group: ROOM_GROUP, host: to.ip, port: to.port, codec });
  }

  /** Publishes the phone into the VideoRoom; resolves with its feed there. */
  async publishToRoom(): Promise<LiveFeed> {
    const control = await this.node.controlHandle();
    const { feedId, port } = await videoroom.addAudioOnlyRemotePublisher(control, this.janusRoom, this.display);
    this.remoteFeedId = feedId;
    await audiobridge.forwardGroup(this.mixer, {
      room: this.mixRoom,
      group: PHONE_GROUP,
      host: SAME_NODE,
      port,
      codec: 'opus',
      payloadType: videoroom.OPUS_PAYLOAD_TYPE,
      ssrc: videoroom.REMOTE_PUBLISHER_BASE_SSRC,
    });
    // A remote publisher cannot be copied to other nodes (Janus remotizes local publishers only).
    return { feed: 'camera', feedId, audioMid: videoroom.REMOTE_AUDIO_MID, streams: [] };
  }

  /** Mixes one room feed's audio into what the phone hears. */
  async addSource(feedId: number, audioMid: string): Promise<void> {
    if (this.closed || this.sources.has(feedId)) return;
    const joining = (async () => {
      const handle = await this.session.attach(audiobridge.AUDIOBRIDGE_PLUGIN);
      const input = await audiobridge.joinPlainRtp(handle, {
        room: this.mixRoom,
        display: `feed ${feedId}`,
        group: ROOM_GROUP,
        codec: 'opus',
        payloadType: videoroom.OPUS_PAYLOAD_TYPE,
      });
      await videoroom.forwardAudio(await this.node.controlHandle(), this.janusRoom, feedId, audioMid, { host: SAME_NODE, port: input.port });
      return handle;
    })();
    this.sources.set(feedId, joining);
    try {
      await joining;
    } catch (error) {
      this.sources.delete(feedId);
      this.logger.warn({ feedId, err: (error as Error).message }, 'cannot mix a feed into the phone call');
    }
  }

  async removeSource(feedId: number): Promise<void> {
    const source = this.sources.get(feedId);
    this.sources.delete(feedId);
    await source?.then((handle) => handle.detach(), () => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.node.isUp) return;
    try {
      if (this.remoteFeedId !== undefined) {
        await videoroom.removeRemotePublisher(await this.node.controlHandle(), this.janusRoom, this.remoteFeedId).catch(() => undefined);
      }
      await audiobridge.destroyRoom(this.mixer, this.mixRoom).catch(() => undefined);
    } finally {
      await this.session.destroy().catch(() => undefined);
    }
  }
}
