/**
 * The media of one dial-in call, in Node: the UDP socket our SDP answer
 * names. Before the caller is in a room it plays prompts (20 ms G.711
 * packets) and reads keypad digits (RFC 4733). Once the caller joins, it
 * also relays audio both ways between the phone and the call's AudioBridge
 * mixer on Janus, through a second socket that faces Janus; telephone-events
 * stay here, read as keypad commands, and a prompt played meanwhile (`*1`)
 * takes the place of the mix for its length.
 *
 * Everything the phone hears leaves as one RTP stream (our SSRC, sequence
 * and timestamps), prompts and mix alike, so the phone sees no jumps. It
 * goes to the SDP's address, or, once the phone's RTP comes from one of the
 * trunk's addresses (SIP_TRUNK_SOURCES) instead, there (symmetric RTP: an
 * SDP naming an address behind NAT, or another media server of the
 * provider's). Only RTP of the negotiated payload types from the SDP's
 * address or the trunk's counts; anything else (or, on the relay socket,
 * anything not from Janus) is dropped.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { RtpAddress } from '../../media/PhoneBridge.js';
import type { DialInMediaOffer } from './dialInSdp.js';
import { G711_PAYLOAD_TYPES } from '../phoneSdp.js';
import { buildRtp, parseRtp } from './rtpPacket.js';
import { bindRtpSocket, type PortRange } from './rtpSocket.js';
import type { TrunkSources } from './trunkSources.js';
import { TelephoneEventReader, type KeypadDigit } from './telephoneEvents.js';

/** 20 ms of G.711 at 8 kHz, one byte a sample. */
const PACKET_SAMPLES = 160;
const PACKET_MS = 20;

interface MediaEvents {
  digit: [digit: KeypadDigit];
}

export interface DialInMediaOptions {
  /** Our RTP sockets' bind address (SIP_BIND_ADDRESS). */
  bindAddress: string;
  /** Where the phone-facing socket's port comes from (SIP_RTP_PORT_RANGE); unset: any free port. */
  ports: PortRange | undefined;
  /** The trunk's addresses: RTP from them counts as the phone's too. */
  trunkSources: TrunkSources;
}

interface Playing {
  audio: Buffer;
  sentBytes: number;
  startedAt: number;
  loop: boolean;
  timer: NodeJS.Timeout;
  done: () => void;
}

export class DialInMedia extends EventEmitter<MediaEvents> {
  private readonly events: TelephoneEventReader;
  private readonly ssrc = randomInt(1, 2 ** 32 - 1);
  private sequence = randomInt(0, 2 ** 16);
  private timestamp = randomInt(0, 2 ** 32 - 1);
  private startOfSpurt = true;
  private playing: Playing | undefined;
  private janus: { socket: Socket; target: RtpAddress } | undefined;
  /** Where the phone's audio goes: the SDP's address until the phone's RTP comes from elsewhere. */
  private phone: RtpAddress;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly offer: DialInMediaOffer,
    private readonly options: DialInMediaOptions,
  ) {
    super();
    this.phone = offer.remote;
    this.events = new TelephoneEventReader(offer.telephoneEventPayloadType);
    socket.on('message', (datagram, from) => this.fromPhone(datagram, from));
    // Sending to a phone that went away (ICMP unreachable) is no reason to end the call: its BYE does that.
    socket.on('error', () => undefined);
  }

  static async open(offer: DialInMediaOffer, options: DialInMediaOptions): Promise<DialInMedia> {
    return new DialInMedia(await bindRtpSocket(options.bindAddress, options.ports), offer, options);
  }

  /** Where the phone's audio goes now. */
  get phoneAddress(): RtpAddress {
    return this.phone;
  }

  get localPort(): number {
    return this.socket.address().port;
  }

  /** Plays G.711 audio to the phone in place of anything else; resolves when it has played, or was stopped. */
  play(audio: Buffer, { loop = false } = {}): Promise<void> {
    this.stopPrompt();
    if (this.closed || audio.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const playing: Playing = { audio, sentBytes: 0, startedAt: Date.now(), loop, timer: setInterval(() => this.pace(playing), PACKET_MS / 2), done: resolve };
      this.playing = playing;
      this.startOfSpurt = true;
      this.pace(playing);
    });
  }

  stopPrompt(): void {
    const playing = this.playing;
    if (!playing) return;
    this.playing = undefined;
    clearInterval(playing.timer);
    this.startOfSpurt = true;
    playing.done();
  }

  /**
   * Starts relaying between the phone and Janus's RTP port for it (`to`);
   * resolves with where Janus must send the mix: the relay socket facing it,
   * at `ownAddress` (our address as Janus reaches it).
   */
  async relay(to: RtpAddress, ownAddress: string): Promise<RtpAddress> {
    if (this.closed) throw new Error('the call has ended');
    const socket = await bindRtpSocket(this.options.bindAddress);
    if (this.closed) {
      socket.close();
      throw new Error('the call has ended');
    }
    this.janus?.socket.close();
    this.janus = { socket, target: to };
    socket.on('message', (datagram, from) => this.fromJanus(datagram, from.address));
    socket.on('error', () => undefined);
    return { ip: ownAddress, port: socket.address().port };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPrompt();
    this.socket.close();
    this.janus?.socket.close();
    this.janus = undefined;
  }

  private fromPhone(datagram: Buffer, from: RemoteInfo): void {
    if (from.address !== this.offer.remote.ip && !this.options.trunkSources(from.address)) return;
    const packet = parseRtp(datagram);
    const audio = packet?.payloadType === G711_PAYLOAD_TYPES[this.offer.codec];
    if (!packet || (!audio && !this.events.isEvent(packet))) return;
    // The SDP names an address the phone is not at (behind NAT, or another of the provider's media servers): its audio
    // goes back where its RTP comes from. Another port at the SDP's own address is a peer that sends from another
    // port than it listens on (RFC 3550 allows it): that one keeps the SDP's port.
    if (from.address !== this.offer.remote.ip) this.phone = { ip: from.address, port: from.port };
    if (this.events.isEvent(packet)) {
      const digit = this.events.read(packet);
      if (digit) this.emit('digit', digit);
      return;
    }
    const janus = this.janus;
    if (janus) janus.socket.send(datagram, janus.target.port, janus.target.ip);
  }

  private fromJanus(datagram: Buffer, fromAddress: string): void {
    if (this.playing || fromAddress !== this.janus?.target.ip) return;
    const packet = parseRtp(datagram);
    if (packet && packet.payloadType === G711_PAYLOAD_TYPES[this.offer.codec]) this.sendToPhone(packet.payload);
  }

  /** Sends the packets a prompt is due by now: a late timer catches up rather than slowing the speech. */
  private pace(playing: Playing): void {
    const dueBytes = Math.floor((Date.now() - playing.startedAt) / PACKET_MS + 1) * PACKET_SAMPLES;
    while (this.playing === playing && playing.sentBytes < dueBytes) {
      const offset = playing.sentBytes % playing.audio.length;
      if (!playing.loop && playing.sentBytes >= playing.audio.length) {
        this.stopPrompt();
        return;
      }
      const chunk = Buffer.alloc(PACKET_SAMPLES, this.offer.codec === 'pcmu' ? 0xff : 0xd5);
      playing.audio.copy(chunk, 0, offset, Math.min(offset + PACKET_SAMPLES, playing.audio.length));
      playing.sentBytes += PACKET_SAMPLES;
      this.sendToPhone(chunk);
    }
  }

  private sendToPhone(payload: Buffer): void {
    if (this.closed) return;
    const packet = buildRtp({
      payloadType: G711_PAYLOAD_TYPES[this.offer.codec],
      marker: this.startOfSpurt,
      sequence: this.sequence,
      timestamp: this.timestamp,
      ssrc: this.ssrc,
      payload,
    });
    this.startOfSpurt = false;
    this.sequence = (this.sequence + 1) & 0xffff;
    this.timestamp = (this.timestamp + payload.length) >>> 0;
    this.socket.send(packet, this.phone.port, this.phone.ip);
  }
}
