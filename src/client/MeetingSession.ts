/**
 * The page's half of a meeting: one RTCPeerConnection per feed it publishes
 * and one per remote feed it receives, negotiated over the signalling
 * socket. It knows nothing of the DOM; it reports to a MeetingView.
 */
import type { FeedKind, ParticipantInfo, PeerConnectionId, ServerMessage } from '../protocol/messages.js';
import { SignallingClient, type ConnectionState } from './signalling.js';

export interface MeetingView {
  welcomed(self: ParticipantInfo, others: ParticipantInfo[], startMutedAudio: boolean): void;
  participantJoined(participant: ParticipantInfo): void;
  participantUpdated(participant: ParticipantInfo): void;
  participantLeft(participantId: string): void;
  streamAdded(participantId: string, feed: FeedKind, stream: MediaStream): void;
  streamRemoved(participantId: string, feed: FeedKind): void;
  connectionState(state: ConnectionState, detail?: string): void;
  serverError(code: string, reason: string): void;
}

interface Publication {
  pc: RTCPeerConnection;
  stream: MediaStream;
  /** Candidates wait until Janus has the offer; before that it has no PeerConnection to add them to. */
  pendingCandidates: Array<RTCIceCandidateInit | null> | undefined;
}

interface Subscription {
  pc: RTCPeerConnection;
  participantId: string;
  feed: FeedKind;
}

export class MeetingSession {
  private readonly signalling: SignallingClient;
  private readonly publications = new Map<FeedKind, Publication>();
  private readonly subscriptions = new Map<PeerConnectionId, Subscription>();
  private readonly outgoing = new Map<FeedKind, MediaStream>();
  private iceConfig: RTCConfiguration = {};

  constructor(
    token: string,
    private readonly view: MeetingView,
  ) {
    this.signalling = new SignallingClient(token, {
      onMessage: (message) => void this.onMessage(message),
      onState: (state, detail) => view.connectionState(state, detail),
    });
  }

  start(camera: MediaStream): void {
    this.outgoing.set('camera', camera);
    this.signalling.open();
  }

  /** Starts sending a feed (or replaces what it sends), publishing at once when connected. */
  share(feed: FeedKind, stream: MediaStream): void {
    this.outgoing.set(feed, stream);
    if (this.publications.has(feed)) {
      this.closePublication(feed);
      this.signalling.send({ type: 'unpublish', feed });
    }
    void this.publish(feed, stream);
  }

  stopSharing(feed: FeedKind): void {
    this.outgoing.delete(feed);
    if (this.publications.has(feed)) {
      this.closePublication(feed);
      this.signalling.send({ type: 'unpublish', feed });
    }
  }

  /**
   * Sends another stream's tracks (of the kinds already sent) in a feed without renegotiating.
   * It also becomes what the feed publishes after a reconnect, when the old tracks are long stopped.
   */
  async replaceStream(feed: FeedKind, stream: MediaStream): Promise<void> {
    this.outgoing.set(feed, stream);
    const publication = this.publications.get(feed);
    if (!publication) return;
    publication.stream = stream;
    const senders = publication.pc.getSenders();
    for (const track of stream.getTracks()) await senders.find((s) => s.track?.kind === track.kind)?.replaceTrack(track);
  }

  /** Frames the video track of a published feed has handed to its encoder so far; undefined if it sends no video. */
  async capturedVideoFrames(feed: FeedKind): Promise<number | undefined> {
    const sender = this.publications.get(feed)?.pc.getSenders().find((s) => s.track?.kind === 'video');
    if (!sender?.track) return undefined;
    const trackId = sender.track.id;
    let frames = 0;
    (await sender.getStats()).forEach((entry: { type: string; trackIdentifier?: string; frames?: number }) => {
      if (entry.type === 'media-source' && entry.trackIdentifier === trackId) frames = entry.frames ?? 0;
    });
    return frames;
  }

  setMuted(audioMuted: boolean, videoMuted: boolean): void {
    this.signalling.send({ type: 'mute', audioMuted, videoMuted });
  }

  leave(): void {
    this.signalling.leave();
    this.closeAll();
  }

  /** Peer connections by id, for diagnostics and tests. */
  peerConnections(): Map<string, RTCPeerConnection> {
    const all = new Map<string, RTCPeerConnection>();
    for (const [feed, publication] of this.publications) all.set(`pub-${feed}`, publication.pc);
    for (const [pcId, subscription] of this.subscriptions) all.set(pcId, subscription.pc);
    return all;
  }

  private async onMessage(message: ServerMessage): Promise<void> {
    switch (message.type) {
      case 'welcome':
        this.iceConfig = { iceServers: message.iceServers, iceTransportPolicy: message.iceTransportPolicy };
        // A welcome also follows every reconnect: start media afresh.
        this.closeAll();
        this.view.welcomed(message.self, message.participants, message.startMutedAudio);
        for (const [feed, stream] of this.outgoing) void this.publish(feed, stream);
        return;
      case 'mediaReset':
        this.closeAll();
        for (const [feed, stream] of this.outgoing) void this.publish(feed, stream);
        return;
      case 'participantJoined':
        return this.view.participantJoined(message.participant);
      case 'participantUpdated':
        return this.view.participantUpdated(message.participant);
      case 'participantLeft':
        return this.view.participantLeft(message.participantId);
      case 'publishAnswer':
        return this.onPublishAnswer(message.feed, message.sdp);
      case 'subscribeOffer':
        return this.onSubscribeOffer(message.pcId, message.participantId, message.feed, message.sdp);
      case 'streamUnavailable':
        return this.closeSubscription(message.pcId);
      case 'error':
        return this.view.serverError(message.code, message.reason);
      case 'pong':
        return;
    }
  }

  private async publish(feed: FeedKind, stream: MediaStream): Promise<void> {
    if (stream.getTracks().length === 0) return;
    const pc = new RTCPeerConnection(this.iceConfig);
    const publication: Publication = { pc, stream, pendingCandidates: [] };
    this.publications.set(feed, publication);
    for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    pc.onicecandidate = (event) => {
      const candidate = event.candidate ? event.candidate.toJSON() : null;
      if (publication.pendingCandidates) publication.pendingCandidates.push(candidate);
      else this.sendCandidate(`pub-${feed}`, candidate);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' && this.publications.get(feed) === publication) {
        // Janus lost us: publish again over a new PeerConnection.
        this.share(feed, publication.stream);
      }
    };
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.signalling.send({ type: 'publish', feed, sdp: offer.sdp ?? '' });
  }

  private async onPublishAnswer(feed: FeedKind, sdp: string): Promise<void> {
    const publication = this.publications.get(feed);
    if (!publication || publication.pc.signalingState !== 'have-local-offer') return;
    await publication.pc.setRemoteDescription({ type: 'answer', sdp });
    const pending = publication.pendingCandidates ?? [];
    publication.pendingCandidates = undefined;
    for (const candidate of pending) this.sendCandidate(`pub-${feed}`, candidate);
  }

  private async onSubscribeOffer(pcId: PeerConnectionId, participantId: string, feed: FeedKind, sdp: string): Promise<void> {
    this.closeSubscription(pcId);
    const pc = new RTCPeerConnection(this.iceConfig);
    this.subscriptions.set(pcId, { pc, participantId, feed });
    const stream = new MediaStream();
    pc.ontrack = (event) => {
      stream.addTrack(event.track);
      this.view.streamAdded(participantId, feed, stream);
    };
    pc.onicecandidate = (event) => this.sendCandidate(pcId, event.candidate ? event.candidate.toJSON() : null);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    this.signalling.send({ type: 'subscribeAnswer', pcId, sdp: answer.sdp ?? '' });
  }

  private sendCandidate(pcId: PeerConnectionId, candidate: RTCIceCandidateInit | null): void {
    this.signalling.send({
      type: 'trickle',
      pcId,
      candidate: candidate && { candidate: candidate.candidate ?? '', sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null },
    });
  }

  private closeSubscription(pcId: PeerConnectionId): void {
    const subscription = this.subscriptions.get(pcId);
    if (!subscription) return;
    this.subscriptions.delete(pcId);
    subscription.pc.close();
    this.view.streamRemoved(subscription.participantId, subscription.feed);
  }

  private closePublication(feed: FeedKind): void {
    this.publications.get(feed)?.pc.close();
    this.publications.delete(feed);
  }

  private closeAll(): void {
    for (const feed of [...this.publications.keys()]) this.closePublication(feed);
    for (const pcId of [...this.subscriptions.keys()]) this.closeSubscription(pcId);
  }
}
