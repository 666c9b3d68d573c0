/**
 * Hostile signalling frames (well-shaped messages with nonsense inside, misshapen ones, broken text, binary,
 * oversized), what the server may answer each with, and the clients that send them.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import WebSocket from 'ws';
import { Authenticate, CHAT_MAX_CHARS, CloseCode, Reaction } from '../../../src/protocol/messages.js';
import { parseClientMessage, parseMessage } from '../../../src/signalling/parseMessage.js';
import { brokenText, deeplyNested, hostileText, hostileValue, pollutingJson } from './hostileValues.js';

export type Frame = { kind: 'text'; text: string } | { kind: 'binary'; data: Uint8Array } | { kind: 'invalid utf-8' } | { kind: 'oversized'; bytes: number };

const MESSAGE_TYPES = ['publish', 'unpublish', 'subscriptionAnswer', 'view', 'trickle', 'mute', 'ping', 'leave', 'chat', 'react', 'hand', 'host', 'hostRoom', 'welcome', 'error', 'explode', '', 'PING'];

const junkSdp = fc.oneof(fc.string({ minLength: 10, maxLength: 400 }), fc.constant('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'));
const pcIds = fc.oneof(fc.constantFrom('pub-camera', 'pub-screen'), fc.integer({ min: 0, max: 20 }).map((n) => `sub-${n}`));

/** Who a fuzzed private chat message goes to: the call's pages, the fuzzing participant itself and someone of another room (filled in once they exist). */
export const chatRecipients: string[] = [];
const chatRecipient = fc.nat().map((n) => chatRecipients[n % chatRecipients.length] ?? 'participant-x1');

/** Messages of the right shape with nonsense inside: they reach the room and Janus. */
const wellShapedMessages = fc.oneof(
  fc.record({ type: fc.constant('publish'), feed: fc.constantFrom('camera', 'screen'), sdp: junkSdp }),
  fc.record({ type: fc.constant('unpublish'), feed: fc.constantFrom('camera', 'screen') }),
  fc.record({ type: fc.constant('subscriptionAnswer'), pcId: pcIds, sdp: junkSdp }),
  fc.record({
    type: fc.constant('view'),
    tiles: fc.array(
      fc.record({
        participantId: fc.oneof(fc.constant('participant-x1'), fc.string({ minLength: 8, maxLength: 20 }).filter((id) => /^[A-Za-z0-9_-]+$/.test(id))),
        feed: fc.constantFrom('camera', 'screen'),
        width: fc.integer({ min: 0, max: 16_384 }),
        height: fc.integer({ min: 0, max: 16_384 }),
      }),
      { maxLength: 5 },
    ),
  }),
  fc.record({
    type: fc.constant('trickle'),
    pcId: pcIds,
    candidate: fc.option(fc.record({ candidate: fc.string({ maxLength: 200 }), sdpMid: fc.option(fc.string({ maxLength: 5 })), sdpMLineIndex: fc.option(fc.integer({ min: 0, max: 255 })) })),
  }),
  fc.record({ type: fc.constant('mute'), audioMuted: fc.boolean(), videoMuted: fc.boolean() }),
  fc.record({ type: fc.constant('ping'), nonce: fc.integer() }),
  // Chat and reactions: hostile text, and private messages to nobody, to people of this room and of another.
  fc.record(
    {
      type: fc.constant('chat'),
      text: fc.oneof(hostileText.filter((text) => text.trim() !== '' && text.length <= CHAT_MAX_CHARS), fc.constantFrom('<img src=x onerror=alert(1)>', 'javascript:alert(1)', 'https://example.org/')),
      to: fc.oneof(fc.constant('participant-x1'), chatRecipient),
    },
    { requiredKeys: ['type', 'text'] },
  ),
  fc.record({ type: fc.constant('react'), emoji: fc.constantFrom(...Reaction.options) }),
  // Hosts, hands and the lobby: the fuzzing participant is no host, so every host request is refused.
  fc.record({ type: fc.constant('hand'), raised: fc.boolean() }),
  fc.record({
    type: fc.constant('host'),
    verb: fc.constantFrom('mute', 'stopVideo', 'lowerHand', 'remove', 'makeHost', 'admit', 'deny'),
    participantId: fc.oneof(fc.constant('participant-x1'), fc.string({ minLength: 8, maxLength: 20 }).filter((id) => /^[A-Za-z0-9_-]+$/.test(id))),
  }),
  fc.record({
    type: fc.constant('hostRoom'),
    change: fc.oneof(
      fc.record({ setting: fc.constantFrom('locked', 'micsLocked', 'lobby'), on: fc.boolean() }),
      fc.record({ setting: fc.constant('password'), password: fc.option(fc.string({ minLength: 1, maxLength: 128 })) }),
      fc.constant({ setting: 'end' }),
    ),
  }),
);

const misshapenMessages = fc
  .tuple(fc.constantFrom(...MESSAGE_TYPES), fc.dictionary(fc.constantFrom('feed', 'sdp', 'pcId', 'candidate', 'audioMuted', 'videoMuted', 'nonce', 'participantId', 'room', 'tiles', 'video', 'text', 'to', 'emoji', 'raised', 'verb', 'change'), hostileValue, { maxKeys: 4 }))
  .map(([type, fields]) => ({ ...fields, type }));

export const frames: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 30, arbitrary: misshapenMessages.map((message) => ({ kind: 'text' as const, text: JSON.stringify(message) })) },
  { weight: 20, arbitrary: wellShapedMessages.map((message) => ({ kind: 'text' as const, text: JSON.stringify(message) })) },
  { weight: 10, arbitrary: fc.jsonValue().map((value) => ({ kind: 'text' as const, text: JSON.stringify(value) })) },
  { weight: 10, arbitrary: brokenText.map((text) => ({ kind: 'text' as const, text })) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(pollutingJson, fc.constantFrom(...MESSAGE_TYPES))
      .map(([text, type]) => ({ kind: 'text' as const, text: text.replace(/^\{/, `{"type":${JSON.stringify(type)},`) })),
  },
  { weight: 3, arbitrary: deeplyNested.map((text) => ({ kind: 'text' as const, text })) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 512 }).map((data) => ({ kind: 'binary' as const, data })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'invalid utf-8' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 129 * 1024, max: 256 * 1024 }).map((bytes) => ({ kind: 'oversized' as const, bytes })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'text' as const, text: '{"type":"leave"}' }) },
);

/** The codes a page may see in `error` messages (internal_error would mean an unforeseen failure). */
export const WS_ERROR_CODES = new Set(['bad_message', 'unknown_peer_connection', 'media_unavailable', 'media_refused', 'rate_limited', 'unknown_recipient', 'not_host']);

/** The closes a frame may cause, by kind: leave (1000), not UTF-8 (1007), over maxPayload (1009). */
export function expectedClose(frame: Frame): number | undefined {
  if (frame.kind === 'invalid utf-8') return 1007;
  if (frame.kind === 'oversized') return 1009;
  if (frame.kind === 'text' && parseClientMessage(frame.text).ok && (JSON.parse(frame.text) as { type: string }).type === 'leave') return CloseCode.normal;
  return undefined;
}

/** How a socket opened without a token must be closed for its first frame: bad frames as ever, a well-formed `authenticate` (with a bad token) as unauthorized, anything else as a protocol error. */
export function expectedFirstClose(frame: Frame): number {
  if (frame.kind === 'invalid utf-8') return 1007;
  if (frame.kind === 'oversized') return 1009;
  if (frame.kind === 'text' && parseMessage(Authenticate, frame.text).ok) return CloseCode.unauthorized;
  return CloseCode.protocolError;
}

/** Opens a socket without a token, waits for its hello, sends one frame and resolves with the close code. */
export function firstMessageClose(url: string, frame: Frame): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('error', reject);
    socket.once('close', (code) => resolve(code));
    socket.once('message', () => {
      if (frame.kind === 'text') socket.send(frame.text);
      else if (frame.kind === 'binary') socket.send(frame.data, { binary: true });
      else if (frame.kind === 'invalid utf-8') socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
      else socket.send('x'.repeat(frame.bytes));
    });
  });
}

/** The fuzzing participant's signalling connection, opened again whenever a frame closes it. */
export class FuzzingPage {
  private socket: WebSocket | undefined;
  private received: unknown[] = [];
  private closeCode: number | undefined;
  private nonce = 0;

  constructor(private readonly url: string) {}

  async ensureOpen(): Promise<void> {
    if (this.socket && this.closeCode === undefined) return;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.closeCode = undefined;
    this.received = [];
    socket.on('message', (data) => this.received.push(JSON.parse(String(data))));
    socket.on('close', (code) => (this.closeCode = code));
    await new Promise((resolve, reject) => {
      socket.once('message', resolve);
      socket.once('error', reject);
    });
  }

  /** Sends one frame, then a ping; resolves with what came back before the pong, or the close it caused. */
  async exchange(frame: Frame): Promise<{ replies: unknown[]; closeCode: number | undefined }> {
    await this.ensureOpen();
    const socket = this.socket!;
    const from = this.received.length;
    const nonce = ++this.nonce;
    if (frame.kind === 'text') socket.send(frame.text);
    else if (frame.kind === 'binary') socket.send(frame.data, { binary: true });
    else if (frame.kind === 'invalid utf-8') socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    else socket.send('x'.repeat(frame.bytes));
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'ping', nonce }));
    const deadline = Date.now() + 10_000;
    const answered = (): boolean => this.received.slice(from).some((m) => (m as { type?: string; nonce?: number }).type === 'pong' && (m as { nonce?: number }).nonce === nonce);
    while (!answered() && this.closeCode === undefined && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    assert.ok(answered() || this.closeCode !== undefined, 'the server answered the ping or closed');
    return { replies: this.received.slice(from).filter((m) => !((m as { type?: string }).type === 'pong' && (m as { nonce?: number }).nonce === nonce)), closeCode: this.closeCode };
  }

  close(): void {
    this.socket?.close();
  }
}

export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.destroy();
    });
    socket.on('open', () => {
      resolve(101);
      socket.close();
    });
    socket.on('error', () => resolve(-1));
  });
}
