/**
 * A participant that is not a browser: a werift (pure TypeScript WebRTC)
 * peer that joins through the app's public API, publishes one audio and one
 * video stream of probe packets, and receives everyone else on one
 * connection, answering each offer the server sends for it and handing each
 * received packet to a callback.
 */
import { RTCPeerConnection, RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import type { SubscribedStreamInfo } from '../../src/protocol/messages.js';
import { ConveneClient, joinCall } from '../lib/conveneClient.js';
import { buildPayload, type StreamKind } from './probePackets.js';

export type PacketSink = (payload: Buffer, arrivedAtMs: number) => void;

/** RTP clock steps per packet: 90 kHz video at 30 fps, 48 kHz Opus in 20 ms frames. */
const TIMESTAMP_STEP: Record<StreamKind, number> = { video: 3000, audio: 960 };

export class SyntheticParticipant {
  private receiver: { pcId: string; pc: RTCPeerConnection } | undefined;
  /** Which participant each m-line of the receiving connection carries, as the last offer said. */
  private streams: SubscribedStreamInfo[] = [];
  /** Offers are answered one after another. */
  private offers: Promise<void> = Promise.resolve();
  private readonly sequence: Record<StreamKind, number> = { audio: 0, video: 0 };
  private readonly sent: Record<StreamKind, Array<{ sequence: number; sentAtMs: number }>> = { audio: [], video: [] };
  /** Subscriptions whose first packet has arrived. */
  private receivingFrom = new Set<string>();

  private constructor(
    readonly index: number,
    private readonly client: ConveneClient,
    private readonly publisher: RTCPeerConnection,
    private readonly senders: Record<StreamKind, RTCRtpTransceiver>,
    private readonly sink: PacketSink,
  ) {
    client.onEach((message) => {
      if (message.type !== 'subscriptionOffer') return;
      this.offers = this.offers.then(() => this.answerOffer(message.pcId, message.sdp, message.streams)).catch(() => undefined);
    });
  }

  /** Joins `room`, publishes and waits for Janus's answer; packets flow once `send` is called. */
  static async join(baseUrl: string, room: string, index: number, sink: PacketSink): Promise<SyntheticParticipant> {
    const reply = await joinCall(baseUrl, `synthetic-${index}`, room);
    const client = await ConveneClient.connect(baseUrl, reply);
    await client.next('welcome');
    const publisher = new RTCPeerConnection({ iceUseIpv6: false });
    const audio = publisher.addTransceiver('audio', { direction: 'sendonly' });
    const video = publisher.addTransceiver('video', { direction: 'sendonly' });
    const participant = new SyntheticParticipant(index, client, publisher, { audio, video }, sink);
    await publisher.setLocalDescription(await publisher.createOffer());
    client.send({ type: 'publish', feed: 'camera', sdp: publisher.localDescription!.sdp });
    const answer = await client.next('publishAnswer', 20_000);
    await publisher.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    client.send({ type: 'trickle', pcId: 'pub-camera', candidate: null });
    return participant;
  }

  get subscriptionsReceiving(): number {
    return this.receivingFrom.size;
  }

  /** Sends the next packet of one stream, stamped with the shared clock. */
  send(kind: StreamKind, publisherIndex: number): void {
    const sequence = this.sequence[kind]++;
    const sentAtMs = performance.now();
    const payload = buildPayload({ publisher: publisherIndex, kind, sequence, sentAtMs });
    const header = new RtpHeader({
      payloadType: 0,
      sequenceNumber: sequence & 0xffff,
      timestamp: (sequence * TIMESTAMP_STEP[kind]) >>> 0,
      marker: kind === 'video',
    });
    this.sent[kind].push({ sequence, sentAtMs });
    void this.senders[kind].sender.sendRtp(new RtpPacket(header, payload)).catch(() => undefined);
  }

  /** How many packets of one stream were sent with a send time in [fromMs, toMs). */
  sentBetween(kind: StreamKind, fromMs: number, toMs: number): number {
    return this.sent[kind].filter((p) => p.sentAtMs >= fromMs && p.sentAtMs < toMs).length;
  }

  async leave(): Promise<void> {
    await this.client.leave().catch(() => undefined);
    await Promise.all([this.publisher, this.receiver?.pc].map((pc) => pc?.close().catch(() => undefined)));
  }

  private async answerOffer(pcId: string, offerSdp: string, streams: SubscribedStreamInfo[]): Promise<void> {
    this.streams = streams;
    if (this.receiver?.pcId !== pcId) {
      await this.receiver?.pc.close().catch(() => undefined);
      const pc = new RTCPeerConnection({ iceUseIpv6: false });
      this.receiver = { pcId, pc };
      pc.onTrack.subscribe((track) => {
        const mid = pc.getTransceivers().find((transceiver) => transceiver.receiver.tracks.includes(track))?.mid;
        track.onReceiveRtp.subscribe((rtp) => {
          const from = this.streams.find((stream) => stream.mid === mid)?.participantId;
          if (from) this.receivingFrom.add(from);
          this.sink(rtp.payload, performance.now());
        });
      });
    }
    const { pc } = this.receiver;
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await pc.setLocalDescription(await pc.createAnswer());
    this.client.send({ type: 'subscriptionAnswer', pcId, sdp: pc.localDescription!.sdp });
    this.client.send({ type: 'trickle', pcId, candidate: null });
  }
}
