/**
 * A participant that is not a browser: a werift (pure TypeScript WebRTC)
 * peer that joins through the app's public API, publishes one audio and one
 * video stream of probe packets, and gets everyone else on one receiving
 * connection, answering each offer the server sends for it.
 *
 * With a packet sink it receives everything and hands each packet to the
 * sink (the capacity benchmark). Without one it only publishes: it shows no
 * tiles (so the server sends it no video) and answers every stream
 * inactive (so Janus sends it no audio either), which lets one process play
 * a big room's worth of publishers.
 */
import { RTCPeerConnection, RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import type { SubscribedStreamInfo, SubscriptionOffer } from '../../../src/protocol/messages.js';
import { ConveneClient, joinCall } from '../conveneClient.js';
import { buildPayload, SYNTHETIC_MEDIA, type StreamKind, type SyntheticMedia } from './probePackets.js';

export type PacketSink = (payload: Buffer, arrivedAtMs: number) => void;

export interface SyntheticOptions {
  /** Display name; `synthetic-<index>` by default. */
  name?: string;
  /** What it publishes (the benchmark's rates by default). */
  media?: SyntheticMedia;
  /** Takes every packet received; without one the participant receives nothing. */
  sink?: PacketSink;
}

/**
 * One transport per connection, as Janus bundles everything anyway: with
 * werift's default policy an offer gathers a transport per m-line, and the
 * one the answer bundles away is never closed (its UDP socket would keep the
 * process alive).
 */
const PEER_CONFIG = { iceUseIpv6: false, bundlePolicy: 'max-bundle' } as const;

/** RTP clock rates: 90 kHz video, 48 kHz Opus. */
const CLOCK_RATE: Record<StreamKind, number> = { video: 90_000, audio: 48_000 };

export class SyntheticParticipant {
  private receiver: { pcId: string; pc: RTCPeerConnection } | undefined;
  /** Which participant each m-line of the receiving connection carries, as the last offer said. */
  private streams: SubscribedStreamInfo[] = [];
  /** Offers are answered one after another. */
  private offers: Promise<void> = Promise.resolve();
  /** Once leaving, offers still coming (others leave too) are not answered: their connection would outlive the participant. */
  private leaving = false;
  private readonly sequence: Record<StreamKind, number> = { audio: 0, video: 0 };
  private readonly sent: Record<StreamKind, Array<{ sequence: number; sentAtMs: number }>> = { audio: [], video: [] };
  /** Subscriptions whose first packet has arrived. */
  private receivingFrom = new Set<string>();
  private readonly publisher = new RTCPeerConnection(PEER_CONFIG);
  private readonly senders: Record<StreamKind, RTCRtpTransceiver>;
  readonly media: SyntheticMedia;
  private readonly sink: PacketSink | undefined;

  private constructor(
    readonly index: number,
    private readonly client: ConveneClient,
    options: SyntheticOptions,
  ) {
    this.media = options.media ?? SYNTHETIC_MEDIA;
    this.sink = options.sink;
    this.senders = {
      audio: this.publisher.addTransceiver('audio', { direction: 'sendonly' }),
      video: this.publisher.addTransceiver('video', { direction: 'sendonly' }),
    };
    client.onEach((message) => {
      // The welcome carries the first offer when the room's feeds were subscribed before the socket opened.
      const offer = message.type === 'subscriptionOffer' ? message : message.type === 'welcome' ? message.subscription : undefined;
      if (offer) this.offers = this.offers.then(() => this.answerOffer(offer)).catch(() => undefined);
    });
  }

  /** Joins `room`, publishes and waits for Janus's answer; packets flow once `send` is called. */
  static async join(baseUrl: string, room: string, index: number, options: SyntheticOptions = {}): Promise<SyntheticParticipant> {
    const reply = await joinCall(baseUrl, options.name ?? `synthetic-${index}`, room);
    const client = await ConveneClient.connect(baseUrl, reply);
    const participant = new SyntheticParticipant(index, client, options);
    try {
      await client.next('welcome');
      // Without tiles the server sends no video at all.
      if (!participant.sink) client.send({ type: 'view', tiles: [] });
      await participant.publish();
      return participant;
    } catch (error) {
      await participant.leave();
      throw error;
    }
  }

  get participantId(): string {
    return this.client.participantId;
  }

  get subscriptionsReceiving(): number {
    return this.receivingFrom.size;
  }

  /** Sends the next packet of one stream, stamped with the shared clock. */
  send(kind: StreamKind): void {
    const sequence = this.sequence[kind]++;
    const sentAtMs = performance.now();
    const payload = buildPayload({ publisher: this.index, kind, sequence, sentAtMs }, this.media[kind].payloadBytes);
    const header = new RtpHeader({
      payloadType: 0,
      sequenceNumber: sequence & 0xffff,
      // The timestamp follows real time, whatever the packet rate (as an Opus sender in DTX does).
      timestamp: Math.round((sequence * CLOCK_RATE[kind]) / this.media[kind].packetsPerSecond) >>> 0,
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
    this.leaving = true;
    await this.client.leave().catch(() => undefined);
    await this.offers;
    await Promise.all([this.publisher, this.receiver?.pc].map((pc) => pc?.close().catch(() => undefined)));
  }

  private async publish(): Promise<void> {
    await this.publisher.setLocalDescription(await this.publisher.createOffer());
    this.client.send({ type: 'publish', feed: 'camera', sdp: this.publisher.localDescription!.sdp });
    const answer = await this.client.next('publishAnswer', 20_000);
    await this.publisher.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    this.client.send({ type: 'trickle', pcId: 'pub-camera', candidate: null });
  }

  private async answerOffer({ pcId, sdp, streams }: SubscriptionOffer): Promise<void> {
    if (this.leaving) return;
    this.streams = streams;
    if (this.receiver?.pcId !== pcId) {
      await this.receiver?.pc.close().catch(() => undefined);
      this.receiver = { pcId, pc: this.openReceiver() };
    }
    const { pc } = this.receiver;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    if (!this.sink) for (const transceiver of pc.getTransceivers()) transceiver.setDirection('inactive');
    await pc.setLocalDescription(await pc.createAnswer());
    this.client.send({ type: 'subscriptionAnswer', pcId, sdp: pc.localDescription!.sdp });
    this.client.send({ type: 'trickle', pcId, candidate: null });
  }

  private openReceiver(): RTCPeerConnection {
    const pc = new RTCPeerConnection(PEER_CONFIG);
    const sink = this.sink;
    if (!sink) return pc;
    pc.onTrack.subscribe((track) => {
      const mid = pc.getTransceivers().find((transceiver) => transceiver.receiver.tracks.includes(track))?.mid;
      track.onReceiveRtp.subscribe((rtp) => {
        const from = this.streams.find((stream) => stream.mid === mid)?.participantId;
        if (from) this.receivingFrom.add(from);
        sink(rtp.payload, performance.now());
      });
    });
    return pc;
  }
}
