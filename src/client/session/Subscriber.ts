/**
 * The page's one receiving RTCPeerConnection: every remote feed arrives on
 * it, each on m-lines (`mid`s) the server maps to a participant's feed in
 * every offer. Janus reuses a freed m-line for a later feed, so a track can
 * move from one participant to another: the page's streams (one
 * MediaStream per feed, kept for as long as the feed is received) are
 * rebuilt from the mapping after every negotiation.
 */
import type { ClientMessage, FeedKind, PeerConnectionId, SubscribedStreamInfo } from '../../protocol/messages.js';
import { trickleMessage } from './signalling.js';

export interface ReceivedFeed {
  participantId: string;
  feed: FeedKind;
  stream: MediaStream;
}

export interface SubscriberView {
  /** A feed's stream appeared (with its first tracks), or changed its tracks. */
  feedReceived(feed: ReceivedFeed): void;
  feedEnded(participantId: string, feed: FeedKind): void;
}

export function feedKey(participantId: string, feed: FeedKind): string {
  return `${participantId}:${feed}`;
}

export class Subscriber {
  private pc: RTCPeerConnection | undefined;
  private pcId: PeerConnectionId | undefined;
  private mapping: SubscribedStreamInfo[] = [];
  private readonly received = new Map<string, ReceivedFeed>();
  /** The mapped m-lines' audio receivers, as of the last negotiation (asking the connection each time blocks on its thread). */
  private audio: Array<{ mid: string; receiver: RTCRtpReceiver }> = [];
  /** Offers are applied one after another, in the order they came. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly ice: () => RTCConfiguration,
    private readonly send: (message: ClientMessage) => void,
    private readonly view: SubscriberView,
  ) {}

  /** The connection everything is received on, for statistics. */
  get connection(): RTCPeerConnection | undefined {
    return this.pc;
  }

  get id(): PeerConnectionId | undefined {
    return this.pcId;
  }

  /** The audio received on mapped m-lines, for hearing who speaks. */
  get audioReceivers(): ReadonlyArray<{ mid: string; receiver: RTCRtpReceiver }> {
    return this.audio;
  }

  /** Which participant's feed a mid carries now. */
  streamOf(mid: string): SubscribedStreamInfo | undefined {
    return this.mapping.find((stream) => stream.mid === mid);
  }

  onOffer(pcId: PeerConnectionId, sdp: string, streams: SubscribedStreamInfo[]): void {
    this.chain = this.chain.then(() => this.applyOffer(pcId, sdp, streams)).catch((error: unknown) => console.warn('cannot apply a subscription offer', error));
  }

  /** Offers received from now on wait for `wait` first. */
  after(wait: Promise<void>): void {
    this.chain = this.chain.then(() => wait);
  }

  /**
   * Settles once the receiving connection has found its first ICE candidate (or gave up finding any), at once
   * without a connection. Chromium finds candidates partly on the page's main thread: a long task there before
   * that holds back the connection's first checks.
   */
  gathered(): Promise<void> {
    const pc = this.pc;
    if (!pc || pc.iceGatheringState === 'complete') return Promise.resolve();
    const listening = new AbortController();
    return new Promise<void>((resolve) => {
      pc.addEventListener('icecandidate', () => resolve(), { signal: listening.signal });
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve(), { signal: listening.signal });
    }).finally(() => listening.abort());
  }

  /** Settles once the offers received so far are answered (or failed). */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Drops the connection and every received feed (a new welcome or a media reset follows). */
  close(): void {
    this.drop();
    // An offer being applied when its connection closes may never settle (a closed connection drops its
    // pending operations): the next connection's offers must not wait for it.
    this.chain = Promise.resolve();
  }

  private async applyOffer(pcId: PeerConnectionId, sdp: string, streams: SubscribedStreamInfo[]): Promise<void> {
    if (pcId !== this.pcId) this.open(pcId);
    const pc = this.pc!;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const answer = await pc.createAnswer();
    if (pc !== this.pc) return;
    // Janus works on the answer while the browser applies it.
    this.send({ type: 'subscriptionAnswer', pcId, sdp: answer.sdp ?? '' });
    await pc.setLocalDescription(answer);
    if (pc !== this.pc) return;
    this.mapping = streams;
    this.refresh();
  }

  private drop(): void {
    this.pc?.close();
    this.pc = undefined;
    this.pcId = undefined;
    this.mapping = [];
    this.refresh();
  }

  /** A new connection, from within the chain of offers (the offer that asks for it is being applied). */
  private open(pcId: PeerConnectionId): void {
    this.drop();
    const pc = new RTCPeerConnection(this.ice());
    this.pc = pc;
    this.pcId = pcId;
    pc.onicecandidate = (event) => this.send(trickleMessage(pcId, event.candidate ? event.candidate.toJSON() : null));
    pc.ontrack = () => this.refresh();
  }

  /** Puts every mapped m-line's track into its feed's stream, and lets go of feeds no longer mapped. */
  private refresh(): void {
    const tracksByFeed = new Map<string, { participantId: string; feed: FeedKind; tracks: MediaStreamTrack[] }>();
    this.audio = [];
    for (const transceiver of this.pc?.getTransceivers() ?? []) {
      const mapped = transceiver.mid === null ? undefined : this.streamOf(transceiver.mid);
      if (!mapped || transceiver.currentDirection === 'inactive') continue;
      if (transceiver.receiver.track.kind === 'audio') this.audio.push({ mid: mapped.mid, receiver: transceiver.receiver });
      const key = feedKey(mapped.participantId, mapped.feed);
      const entry = tracksByFeed.get(key) ?? { participantId: mapped.participantId, feed: mapped.feed, tracks: [] };
      entry.tracks.push(transceiver.receiver.track);
      tracksByFeed.set(key, entry);
    }
    for (const [key, received] of [...this.received]) {
      if (tracksByFeed.has(key)) continue;
      this.received.delete(key);
      this.view.feedEnded(received.participantId, received.feed);
    }
    for (const [key, { participantId, feed, tracks }] of tracksByFeed) {
      const received = this.received.get(key) ?? { participantId, feed, stream: new MediaStream() };
      this.received.set(key, received);
      const { stream } = received;
      for (const track of stream.getTracks()) if (!tracks.includes(track)) stream.removeTrack(track);
      for (const track of tracks) if (!stream.getTracks().includes(track)) stream.addTrack(track);
      this.view.feedReceived(received);
    }
  }
}
