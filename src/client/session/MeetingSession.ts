/**
 * The page's half of a meeting: a sending connection per feed it publishes
 * (Publisher) and one receiving connection for everything else (Subscriber),
 * negotiated over the signalling socket. It knows nothing of the DOM; it
 * reports to a MeetingView.
 */
import type { ClientMessage, FeedKind, Knock, ParticipantInfo, ParticipantVerb, RoomRules, ServerMessage, TileView, VideoPublishing } from '../../protocol/messages.js';
import { SignallingClient, type ConnectionState } from './signalling.js';
import { Publisher } from './Publisher.js';
import { Subscriber, type SubscriberView } from './Subscriber.js';
import { DownlinkDelays } from './DownlinkDelays.js';
import { pastItsStart } from './connectionAge.js';
import { waitAtMost } from '../../support/time.js';

/** What the server says of the room's chat and reactions. */
export type ChatEvent = Extract<ServerMessage, { type: 'chat' | 'chatHistory' | 'reaction' }>;

export interface MeetingView extends SubscriberView {
  welcomed(self: ParticipantInfo, others: ParticipantInfo[], video: VideoPublishing): void;
  participantJoined(participant: ParticipantInfo): void;
  participantUpdated(participant: ParticipantInfo): void;
  participantLeft(participantId: string): void;
  connectionState(state: ConnectionState, detail?: string): void;
  serverError(code: string, reason: string): void;
  /** Who hosts the room now. */
  hosts(participantIds: string[]): void;
  roomRules(rules: RoomRules): void;
  /** A host acted on us. */
  moderated(verb: ParticipantVerb, by: string): void;
  /** We wait in the lobby until a host lets us in (a welcome follows) or not (the connection ends). */
  knocking(): void;
  /** As a host: who waits in the lobby. */
  lobby(knocks: Knock[]): void;
  /** The number phones call to join, and this room's PIN. */
  dialIn(number: string, pin: string): void;
  /** How long a pong took on its way down (plus the constant between the two clocks), at `atMs` (performance.now()). */
  downlinkDelay(delayMs: number, atMs: number): void;
  chat(event: ChatEvent): void;
}

/** What a page sends about hands and as a host. */
export type HostMessage = Extract<ClientMessage, { type: 'hand' | 'host' | 'hostRoom' }>;

/**
 * The room's first offer waits this long at most for the camera's answer to be applied: the camera's
 * connection starts its handshake first, as a client talking to Janus alone does, and the others see the
 * joiner sooner (see the README's join figures); the wait itself is the server's few milliseconds.
 */
const CAMERA_FIRST_MS = 250;
/** Changes to the view wait this long at most for the receiving connection's first ICE candidate (see Subscriber.gathered). */
const GATHERING_WAIT_MS = 150;

export class MeetingSession {
  private readonly signalling: SignallingClient;
  private readonly downlinkDelays: DownlinkDelays;
  private readonly publishers = new Map<FeedKind, Publisher>();
  private readonly outgoing = new Map<FeedKind, MediaStream>();
  readonly subscriber: Subscriber;
  private iceConfig: RTCConfiguration = {};
  private video: VideoPublishing | undefined;
  /** The tiles last reported, sent again after every (re)connection. */
  private lastView: TileView[] | undefined;
  /** Changes to who is shown, waiting for their task (see `showLater`). */
  private readonly viewUpdates: Array<() => void> = [];
  /** The feeds were published on the socket being opened (before its welcome): the first welcome keeps them. */
  private publishedAhead = false;
  /** Settles once the camera published at the start has its answer applied. */
  private cameraFirst: Promise<void> = Promise.resolve();
  private cameraAnswered: () => void = () => undefined;

  /** `earlySocket`: a signalling socket the page opened ahead, used if it is still open. */
  constructor(
    token: string,
    earlySocket: WebSocket | undefined,
    private readonly view: MeetingView,
  ) {
    this.signalling = new SignallingClient(
      token,
      {
        onMessage: (message) => void this.onMessage(message),
        onState: (state, detail) => view.connectionState(state, detail),
      },
      earlySocket,
    );
    this.subscriber = new Subscriber(() => this.iceConfig, (message) => this.signalling.send(message), view);
    // The pings wait for the receiving connection's start to be over: a join is busy enough without them.
    this.downlinkDelays = new DownlinkDelays(
      (nonce) => this.signalling.send({ type: 'ping', nonce }),
      (delayMs, atMs) => view.downlinkDelay(delayMs, atMs),
      () => this.subscriber.connection !== undefined && pastItsStart(this.subscriber.connection),
    );
  }

  /**
   * Joins: the socket opens while the camera's offer is made, with the ICE
   * settings `/joinCall` gave, and the offer goes out as soon as the socket
   * is open (the server takes it after the welcome).
   */
  start(camera: MediaStream, ice: RTCConfiguration, video: VideoPublishing, prepared?: Publisher): void {
    this.outgoing.set('camera', camera);
    this.iceConfig = ice;
    this.video = video;
    this.signalling.open();
    this.publishedAhead = true;
    this.cameraFirst = new Promise((resolve) => (this.cameraAnswered = resolve));
    void this.publish('camera', camera, prepared);
  }

  /** Starts sending a feed (or replaces what it sends), publishing at once when connected. */
  share(feed: FeedKind, stream: MediaStream): void {
    this.outgoing.set(feed, stream);
    this.stopPublishing(feed);
    void this.publish(feed, stream);
  }

  /** Raises our hand, or asks as a host; the server refuses what we may not do (see `serverError`). */
  sendHostMessage(message: HostMessage): void {
    this.signalling.send(message);
  }

  stopSharing(feed: FeedKind): void {
    this.outgoing.delete(feed);
    this.stopPublishing(feed);
  }

  /**
   * Sends another stream's tracks (of the kinds already sent) in a feed without renegotiating.
   * It also becomes what the feed publishes after a reconnect, when the old tracks are long stopped.
   */
  async replaceStream(feed: FeedKind, stream: MediaStream): Promise<void> {
    this.outgoing.set(feed, stream);
    await this.publishers.get(feed)?.replaceStream(stream);
  }

  /** Frames the video track of a published feed has handed to its encoder so far; undefined if it sends no video. */
  capturedVideoFrames(feed: FeedKind): Promise<number | undefined> {
    return this.publishers.get(feed)?.capturedVideoFrames() ?? Promise.resolve(undefined);
  }

  setMuted(audioMuted: boolean, videoMuted: boolean): void {
    this.signalling.send({ type: 'mute', audioMuted, videoMuted });
  }

  /** Which feeds' video the page shows now, and how big (see protocol `view`). */
  setView(tiles: TileView[]): void {
    this.lastView = tiles;
    this.signalling.send({ type: 'view', tiles });
  }

  /** A chat message or a reaction for the room. */
  sendChat(request: Extract<ClientMessage, { type: 'chat' | 'react' }>): void {
    this.signalling.send(request);
  }

  leave(): void {
    this.downlinkDelays.stop();
    this.signalling.leave();
    this.closeAll();
  }

  /** Peer connections by id, for diagnostics and tests. */
  peerConnections(): Map<string, RTCPeerConnection> {
    const all = new Map<string, RTCPeerConnection>();
    for (const publisher of this.publishers.values()) all.set(publisher.pcId, publisher.pc);
    const receiving = this.subscriber.connection;
    if (receiving && this.subscriber.id) all.set(this.subscriber.id, receiving);
    return all;
  }

  private async onMessage(message: ServerMessage): Promise<void> {
    switch (message.type) {
      case 'welcome':
        this.iceConfig = { iceServers: message.iceServers, iceTransportPolicy: message.iceTransportPolicy };
        this.video = message.video;
        // A welcome also follows every reconnect: start media afresh (the first keeps what was published ahead of it).
        if (this.publishedAhead) this.publishedAhead = false;
        else this.restartMedia();
        this.downlinkDelays.start();
        if (message.subscription) {
          this.subscriber.after(waitAtMost(this.cameraFirst, CAMERA_FIRST_MS));
          this.subscriber.onOffer(message.subscription.pcId, message.subscription.sdp, message.subscription.streams);
        }
        return this.showLater(() => {
          this.view.welcomed(message.self, message.participants, message.video);
          if (this.lastView) this.signalling.send({ type: 'view', tiles: this.lastView });
        });
      case 'mediaReset':
        return this.restartMedia();
      case 'participantJoined':
        return this.showLater(() => this.view.participantJoined(message.participant));
      case 'participantUpdated':
        return this.showLater(() => this.view.participantUpdated(message.participant));
      case 'participantLeft':
        return this.showLater(() => this.view.participantLeft(message.participantId));
      case 'publishAnswer': {
        // The answer is for the connection that sent the offer, even if another replaces it meanwhile.
        const publisher = this.publishers.get(message.feed);
        try {
          return await publisher?.onAnswer(message.sdp);
        } finally {
          if (message.feed === 'camera') this.cameraAnswered();
        }
      }
      case 'subscriptionOffer':
        return this.subscriber.onOffer(message.pcId, message.sdp, message.streams);
      case 'error':
        return this.view.serverError(message.code, message.reason);
      case 'pong':
        return this.downlinkDelays.pong(message.nonce, message.sentAt);
      case 'chat':
      case 'chatHistory':
      case 'reaction':
        return this.showLater(() => this.view.chat(message));
      case 'hello':
        return;
      case 'hosts':
        return this.showLater(() => this.view.hosts(message.participantIds));
      case 'roomRules':
        return this.view.roomRules(message.rules);
      case 'moderated':
        return this.view.moderated(message.verb, message.by);
      case 'knocking':
        return this.view.knocking();
      case 'lobby':
        return this.view.lobby(message.knocks);
      case 'dialIn':
        return this.view.dialIn(message.number, message.pin);
    }
  }

  /**
   * Changes to who is shown wait, in the order they came, until the offers
   * being answered are answered and the receiving connection has begun to
   * find its ICE candidates: the page's layout work would otherwise hold up
   * the answer (the welcome's own offer above all), then the first checks.
   */
  private showLater(update: () => void): void {
    this.viewUpdates.push(update);
    if (this.viewUpdates.length > 1) return;
    void this.subscriber
      .settled()
      .then(() => waitAtMost(this.subscriber.gathered(), GATHERING_WAIT_MS))
      .then(() => {
        for (const pending of this.viewUpdates.splice(0)) pending();
      });
  }

  private restartMedia(): void {
    this.closeAll();
    for (const [feed, stream] of this.outgoing) void this.publish(feed, stream);
  }

  private async publish(feed: FeedKind, stream: MediaStream, prepared?: Publisher): Promise<void> {
    if (stream.getTracks().length === 0 || !this.video) return;
    const publisher = prepared?.stream === stream && sameSettings(prepared.settings, this.video) ? prepared : new Publisher(feed, stream, this.video);
    if (publisher !== prepared) prepared?.close();
    this.publishers.set(feed, publisher);
    await publisher.start(this.iceConfig, (message) => this.signalling.send(message), (failed) => {
      // Janus lost us: publish again over a new PeerConnection.
      if (this.publishers.get(feed) === failed) this.share(feed, failed.stream);
    });
  }

  private stopPublishing(feed: FeedKind): void {
    const publisher = this.publishers.get(feed);
    if (!publisher) return;
    publisher.close();
    this.publishers.delete(feed);
    this.signalling.send({ type: 'unpublish', feed });
  }

  private closeAll(): void {
    for (const publisher of this.publishers.values()) publisher.close();
    this.publishers.clear();
    this.subscriber.close();
  }
}

function sameSettings(a: VideoPublishing, b: VideoPublishing): boolean {
  return a.simulcast === b.simulcast && a.maxBitrateBps === b.maxBitrateBps;
}
