/**
 * One feed the page sends (its camera with microphone, or its screen), over
 * a RTCPeerConnection of its own to Janus. A camera is sent as three
 * simulcast layers (full, 1/2 and 1/4 of its size, sharing the bitrate the
 * server allows), so each receiver can get the one its tile needs; a screen
 * is sent sharp (its content hint says text and detail) at a low frame rate.
 */
import type { ClientMessage, FeedKind, PeerConnectionId, VideoPublishing } from '../../protocol/messages.js';
import { sleep } from '../../support/time.js';
import { trickleMessage } from './signalling.js';

/** Shares of the camera's bitrate for the full, half and quarter layers. */
const LAYER_BITRATE_SHARES = [0.65, 0.25, 0.1] as const;
/** A picture smaller than this is sent as one layer: smaller layers of it would be too small to be of use. */
const MIN_SIMULCAST_HEIGHT = 360;
const SCREEN_MAX_FRAME_RATE = 10;
/** getStats caches its report for tens of milliseconds: a second's worth of asking outlasts that. */
const STATS_TRIES = 10;
const STATS_RETRY_MS = 100;

export class Publisher {
  readonly pc: RTCPeerConnection;
  /** Made as soon as the publisher is: the page can prepare its camera's offer before it has joined. */
  private readonly offer: Promise<RTCSessionDescriptionInit>;
  private send: (message: ClientMessage) => void = () => undefined;
  /** Candidates wait until Janus has the offer; before that it has no PeerConnection to add them to. */
  private pendingCandidates: Array<RTCIceCandidateInit | null> | undefined = [];
  /** The offer is set as the local description (its answer can only be applied after). */
  private offerApplied: Promise<void> = Promise.resolve();

  constructor(
    readonly feed: FeedKind,
    public stream: MediaStream,
    readonly settings: VideoPublishing,
  ) {
    this.pc = new RTCPeerConnection();
    for (const track of stream.getTracks()) {
      if (track.kind === 'video' && feed === 'screen') track.contentHint = 'detail';
      this.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream], sendEncodings: this.encodingsFor(track) });
    }
    this.offer = this.pc.createOffer();
    this.pc.onicecandidate = (event) => {
      const candidate = event.candidate ? event.candidate.toJSON() : null;
      if (this.pendingCandidates) this.pendingCandidates.push(candidate);
      else this.sendCandidate(candidate);
    };
  }

  get pcId(): PeerConnectionId {
    return this.feed === 'camera' ? 'pub-camera' : 'pub-screen';
  }

  /** Publishes: the offer goes to the server with the ICE settings of this participant, and `onFailed` hears if the connection fails. */
  async start(ice: RTCConfiguration, send: (message: ClientMessage) => void, onFailed: (publisher: Publisher) => void): Promise<void> {
    this.send = send;
    this.pc.setConfiguration(ice);
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === 'failed') onFailed(this);
    };
    const offer = await this.offer;
    if (this.pc.signalingState === 'closed') return;
    const video = this.stream.getVideoTracks()[0]?.getSettings();
    // Janus works on the offer while the browser applies it.
    this.send({
      type: 'publish',
      feed: this.feed,
      sdp: offer.sdp ?? '',
      ...(video?.width && video.height ? { video: { width: video.width, height: video.height } } : {}),
    });
    this.offerApplied = this.pc.setLocalDescription(offer);
    await this.offerApplied;
  }

  async onAnswer(sdp: string): Promise<void> {
    await this.offerApplied;
    if (this.pc.signalingState !== 'have-local-offer') return;
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    const pending = this.pendingCandidates ?? [];
    this.pendingCandidates = undefined;
    for (const candidate of pending) this.sendCandidate(candidate);
  }

  /** Sends another stream's tracks (of the kinds already sent) without renegotiating. */
  async replaceStream(stream: MediaStream): Promise<void> {
    this.stream = stream;
    const senders = this.pc.getSenders();
    for (const track of stream.getTracks()) await senders.find((s) => s.track?.kind === track.kind)?.replaceTrack(track);
  }

  /**
   * Frames the video track has handed to its encoder so far; undefined if it sends no video. The
   * count runs on across replaced tracks, and for a moment after a replacement getStats answers
   * from its cache, still naming the old track: it is asked again until it names the current one.
   */
  async capturedVideoFrames(): Promise<number | undefined> {
    const sender = this.pc.getSenders().find((s) => s.track?.kind === 'video');
    for (let tries = 0; tries < STATS_TRIES && sender?.track; tries++) {
      const frames = mediaSourceFrames(await sender.getStats(), sender.track.id);
      if (frames !== undefined) return frames;
      await sleep(STATS_RETRY_MS);
    }
    return undefined;
  }

  close(): void {
    this.pc.close();
  }

  private encodingsFor(track: MediaStreamTrack): RTCRtpEncodingParameters[] | undefined {
    if (track.kind !== 'video') return undefined;
    const bitrate = this.settings.maxBitrateBps;
    if (this.feed === 'screen') return [{ maxBitrate: bitrate, maxFramerate: SCREEN_MAX_FRAME_RATE }];
    const height = track.getSettings().height ?? 0;
    if (!this.settings.simulcast || height < MIN_SIMULCAST_HEIGHT) return [{ maxBitrate: bitrate }];
    // Largest first, as Janus expects them: it numbers the layers 0, 1, 2 from the smallest.
    const [full, half, quarter] = LAYER_BITRATE_SHARES.map((share) => Math.round(bitrate * share));
    return [
      { rid: 'h', maxBitrate: full },
      { rid: 'm', maxBitrate: half, scaleResolutionDownBy: 2 },
      { rid: 'l', maxBitrate: quarter, scaleResolutionDownBy: 4 },
    ];
  }

  private sendCandidate(candidate: RTCIceCandidateInit | null): void {
    this.send(trickleMessage(this.pcId, candidate));
  }
}

function mediaSourceFrames(report: RTCStatsReport, trackId: string): number | undefined {
  let frames: number | undefined;
  report.forEach((entry: { type: string; trackIdentifier?: string; frames?: number }) => {
    if (entry.type === 'media-source' && entry.trackIdentifier === trackId) frames = entry.frames ?? 0;
  });
  return frames;
}
