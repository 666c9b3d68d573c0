/**
 * One page's signalling WebSocket: parses every message with the protocol
 * schema, turns requests into room operations, and is the room's channel
 * back to the page.
 */
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { CloseCode, type ClientMessage, PROTOCOL_VERSION, type IceServer, type IceTransportPolicy, type ParticipantInfo, type ServerMessage, type VideoPublishing } from '../protocol/messages.js';
import type { PageWelcome, Room } from '../rooms/Room.js';
import type { ParticipantChannel } from '../rooms/ParticipantChannel.js';
import type { ParticipantGrant } from '../auth/tokens.js';
import { toWireError } from './wireErrors.js';
import { parseClientMessage } from './parseMessage.js';
import type { RawMessage } from './socketAuthentication.js';
import { MessageRateLimit, type MessageRate } from './MessageRateLimit.js';
import { assertUnreachable } from '../support/unreachable.js';

export interface SignallingOptions {
  /** STUN/TURN servers for one participant: TURN credentials are issued per participant and expire. */
  iceServersFor(participantId: string): IceServer[];
  iceTransportPolicy: IceTransportPolicy;
  /** How pages publish and show video. */
  video: VideoPublishing;
  /** A page that reads this slowly is dropped rather than buffered without bound. */
  maxBufferedBytes: number;
  messageRate: MessageRate;
  /** Chat messages and reactions, which every other page in the room sees: a budget of their own, within `messageRate`. */
  chatRate: MessageRate;
  /** Told the code of every error sent to a page, for the error metrics. */
  onErrorSent: (code: string) => void;
}

/** The page's room, once this connection is attached to its participant there, and what its welcome says. */
export interface Entered extends PageWelcome {
  room: Room;
}

/** Attaches a connection to its participant in the room (see `Room.connect`). */
export type EnterRoom = (channel: ParticipantChannel) => Promise<Entered>;

export class SignallingConnection implements ParticipantChannel {
  private deliberateLeave = false;
  private markClosed!: (how: { deliberate: boolean }) => void;
  readonly closed = new Promise<{ deliberate: boolean }>((resolve) => {
    this.markClosed = resolve;
  });
  /** Requests are handled one after another, in the order the page sent them. */
  private queue: Promise<void> = Promise.resolve();
  private readonly logger: Logger;
  private readonly rateLimit: MessageRateLimit;
  private readonly chatRateLimit: MessageRateLimit;
  /** Set when the page is welcomed; requests are only handled after that. */
  private room: Room | undefined;
  /** What the room sends between `start` and the welcome (its media may be ready first), sent right after it. */
  private held: ServerMessage[] | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly enter: EnterRoom,
    private readonly grant: ParticipantGrant,
    private readonly options: SignallingOptions,
    logger: Logger,
  ) {
    this.logger = logger.child({ room: grant.room, participantId: grant.participantId });
    this.rateLimit = new MessageRateLimit(options.messageRate);
    this.chatRateLimit = new MessageRateLimit(options.chatRate);
  }

  /**
   * Welcomes the page once it is in its room; requests that arrive before
   * wait their turn, after `early` (what the page sent while its token was
   * being checked).
   */
  start(early: RawMessage[] = []): void {
    this.held = [];
    const welcomed = this.welcome();
    this.queue = welcomed.catch(() => this.close(CloseCode.serviceRestart, 'the room is unavailable; reconnect'));
    for (const message of early) this.receive(message);
    this.socket.on('message', (data, isBinary) => this.receive({ data, isBinary }));
    this.socket.on('close', (code) => {
      const deliberate = this.deliberateLeave || code === CloseCode.normal || code === CloseCode.goingAway;
      this.logger.info({ code, deliberate }, 'signalling closed');
      this.markClosed({ deliberate });
      void welcomed.then(() => this.room?.disconnect(this.grant.participantId, this, deliberate), () => undefined);
    });
  }

  private async welcome(): Promise<void> {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const startedAt = performance.now();
    const { room, self, others, subscription } = await this.enter(this);
    this.logger.trace({ ms: Math.round(performance.now() - startedAt) }, 'in the room');
    this.room = room;
    this.send({
      type: 'welcome',
      protocolVersion: PROTOCOL_VERSION,
      room: room.name,
      self,
      participants: others,
      iceServers: this.options.iceServersFor(this.grant.participantId),
      iceTransportPolicy: this.options.iceTransportPolicy,
      video: this.options.video,
      ...(subscription ? { subscription } : {}),
    });
    const held = this.held ?? [];
    this.held = undefined;
    for (const message of held) this.send(message);
    this.send({ type: 'chatHistory', messages: await room.chatHistory(this.grant.participantId) });
  }

  send(message: ServerMessage): void {
    if (message.type === 'error') this.options.onErrorSent(message.code);
    // Held until the welcome, but for the lobby's word to a page that waits for it.
    if (this.held && message.type !== 'welcome' && message.type !== 'knocking') {
      this.held.push(message);
      return;
    }
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.logger.warn({ bufferedBytes: this.socket.bufferedAmount }, 'page reads too slowly; dropping its connection');
      this.socket.terminate();
      return;
    }
    this.socket.send(JSON.stringify(message));
    this.logger.trace({ type: message.type }, 'to page');
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  private receive({ data, isBinary }: RawMessage): void {
    // Checked on arrival, not in turn, so a flood cannot pile up behind a slow request.
    if (!this.admit()) return;
    const text = isBinary ? undefined : data.toString();
    this.logger.trace({ bytes: text?.length }, 'from page');
    this.queue = this.queue.then(() => this.onMessage(text));
  }

  private admit(limit = this.rateLimit): boolean {
    const verdict = limit.check();
    if (verdict === 'accept') return true;
    if (verdict === 'refuse') {
      this.send({ type: 'error', code: 'rate_limited', reason: 'too many messages; this one was ignored' });
    } else if (this.socket.readyState === this.socket.OPEN) {
      this.logger.warn('page kept sending too fast; closing its connection');
      this.close(CloseCode.tooManyMessages, 'too many messages');
    }
    return false;
  }

  /** Chat and reactions reach every page in the room: they have a budget of their own, and none is passed on once the page is cut off (its queue may still hold a flood). */
  private admitToRoom(): boolean {
    return this.socket.readyState === this.socket.OPEN && this.admit(this.chatRateLimit);
  }

  private async onMessage(text: string | undefined): Promise<void> {
    const message = parseClientMessage(text);
    this.logger.trace({ type: message.ok ? message.value.type : undefined }, 'handling');
    if (!message.ok) {
      this.send({ type: 'error', code: 'bad_message', reason: message.reason });
      return;
    }
    try {
      await this.handle(message.value);
    } catch (error) {
      const wire = toWireError(error);
      this.logger.warn({ request: message.value.type, code: wire.code, err: (error as Error).message }, 'request failed');
      this.send({ type: 'error', ...wire });
    }
  }

  private async handle(message: ClientMessage): Promise<void> {
    const participantId = this.grant.participantId;
    const room = this.room;
    if (!room) return; // the page was never welcomed (its socket closed first)
    switch (message.type) {
      case 'publish': {
        const sdp = await (await room.pageMedia(participantId)).publish(message.feed, message.sdp, message.video);
        this.send({ type: 'publishAnswer', feed: message.feed, sdp });
        return;
      }
      case 'unpublish':
        return (await room.pageMedia(participantId)).unpublish(message.feed);
      case 'subscriptionAnswer':
        return (await room.pageMedia(participantId)).answerSubscription(message.pcId, message.sdp);
      case 'view':
        return (await room.pageMedia(participantId)).setView(message.tiles);
      case 'trickle':
        return (await room.pageMedia(participantId)).trickle(message.pcId, message.candidate);
      case 'mute':
        return room.setMuted(participantId, message.audioMuted, message.videoMuted);
      case 'leave':
        this.deliberateLeave = true;
        this.socket.close(CloseCode.normal, 'left');
        return;
      case 'hand':
        return room.setHand(participantId, message.raised);
      case 'host':
        return room.moderate(participantId, message.verb, message.participantId);
      case 'hostRoom':
        return room.changeRules(participantId, message.change);
      case 'ping':
        this.send({ type: 'pong', ...(message.nonce === undefined ? {} : { nonce: message.nonce }), sentAt: Date.now() });
        return;
      case 'chat':
        if (this.admitToRoom()) await room.sendChat(participantId, message.text, message.to);
        return;
      case 'react':
        if (this.admitToRoom()) await room.react(participantId, message.emoji);
        return;
      default:
        return assertUnreachable(message, 'message');
    }
  }
}
