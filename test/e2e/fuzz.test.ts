/**
 * Fuzzing the edges: generated malformed and hostile HTTP requests (every
 * route, method, body shape, content type, query and token), WebSocket
 * upgrades with bad queries, hostile first messages on sockets opened
 * without a token, and hostile signalling messages on a valid connection. The server must answer each with a 4xx and our error body (on
 * the WebSocket: an `error` with a known code, or a close with a known
 * code), never crash, never show a stack trace, never pollute prototypes,
 * while a real two-browser call in the same room keeps decoding video.
 *
 * The limits are set high here: rate limiting has its own tests, and would
 * otherwise answer most of these with 429.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import fc from 'fast-check';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { HttpErrors } from '../../src/http/httpErrors.js';
import { Authenticate, CHAT_MAX_CHARS, CloseCode, Reaction, ServerMessage } from '../../src/protocol/messages.js';
import { parseClientMessage, parseMessage } from '../../src/signalling/parseMessage.js';
import { launchBrowser, newPage } from '../support/browser.js';
import { tokenIssuer, untilExpired } from '../support/tokens.js';
import { startTestServer } from '../support/testServer.js';
import { expectMediaFlowing, joinMeeting, receiveStats } from '../support/meetingPage.js';

const HTTP_RUNS = 10_000;
const UPGRADE_RUNS = 500;
const WS_RUNS = 5_000;
const ANONYMOUS_RUNS = 300;

const TOKEN_SECRET = 'token-secret-for-the-fuzz-tests-0123456789';
const CALL_ROOM = 'fuzz-call';
const UNLIMITED = '1000000';

// ---------------------------------------------------------------------------
// Building blocks

const printableChar = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
const printable = (maxLength = 40) => fc.string({ unit: printableChar, maxLength });

const hostileText = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'binary' }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '', ' ', '\u0000', '\u202e', '\ud800', '../../../etc/passwd', '<script>alert(1)</script>', "' OR '1'='1",
      '%00', '${jndi:ldap://x/a}', 'null', '-1', '1e309', 'NaN', '+15550000001', '+1', 'sub-1', 'pub-camera', 'camera',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 40_000 }).map((n) => 'x'.repeat(n)) },
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: fc.array(fc.jsonValue(), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 4 }) },
);

const FIELDS = ['name', 'room', 'caller', 'call_type', 'audio', 'video', 'password', 'number', 'callee', 'phone_number', 'callId', 'sdp', 'id', 'token', 'type'];
const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'];

const fieldsObject = fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 6 });

/** JSON text with a prototype-polluting key up front (written as text: an object literal would set the prototype instead). */
const pollutingJson = fc
  .tuple(fc.constantFrom(...POLLUTION_KEYS), fc.oneof(fc.jsonValue(), fc.constant({ polluted: 1 }), fc.constant({ prototype: { polluted: 1 } })), fieldsObject)
  .map(([key, value, rest]) => {
    const tail = JSON.stringify(rest).slice(1);
    return `{${JSON.stringify(key)}:${JSON.stringify(value)}${tail === '}' ? '}' : `,${tail}`}`;
  });

const deeplyNested = fc.oneof(
  fc.integer({ min: 1, max: 8_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 1, max: 3_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
);

const jsonText = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 4, arbitrary: fieldsObject.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: pollutingJson },
  { weight: 1, arbitrary: deeplyNested },
);

const brokenText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  jsonText.chain((text) => fc.nat(Math.max(0, text.length - 1)).map((cut) => text.slice(0, cut))),
);

// ---------------------------------------------------------------------------
// HTTP requests

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

interface Tokens {
  valid: string;
  expired: string;
  tampered: string;
  unsigned: string;
  foreign: string;
}

const ROUTES = ['/joinCall', '/idLookup', '/startPSTNCall', '/endPSTNCall', '/Callbacks/answer', '/endSession', '/ws', '/metrics'];

const paths = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...ROUTES) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...ROUTES), fc.constantFrom('/', '//', '/..', '%00', '.json', '%2F', ';x', '/x'))
      .map(([route, suffix]) => route + suffix),
  },
  { weight: 1, arbitrary: fc.constantFrom(...ROUTES).map((route) => route.toUpperCase()) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/.env', '/.git/config', '/package.json',
      '/src/server/main.ts', '/dist/server/main.js', '/%', '/%E0%A4%A', '/%ff', '//example.org', '/assets/../../package.json',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/healthz/x', '/readyz/..;/x', `/${'a'.repeat(4_000)}`,
    ),
  },
  { weight: 2, arbitrary: fc.webPath().filter((path) => path.length > 1 && path !== '/index.html' && !path.startsWith('/assets/')) },
);

const queries = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: fc.webQueryParameters().map((query) => `?${query}`) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '?id=%', '?id[]=x', '?id=a&id=b', '?__proto__[polluted]=1', '?constructor[prototype][polluted]=1', '?__proto__=x',
      `?callId=${'x'.repeat(5_000)}`, '?callId=%00%00%00%00%00%00%00%00', '?token=', '?%', '?&&&', '?id=%00', '?callId=',
      '?id=AAAAAAAAAAAAAAAA', '?callId=AAAAAAAAAAAA',
    ),
  },
  { weight: 1, arbitrary: printable(60).map((query) => `?${query}`) },
);

const methods = fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND');

const contentTypes = fc.oneof(
  fc.constantFrom(
    undefined, 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz', 'application/octet-stream', 'application/json; charset=utf-16', '*/*', 'application/jsonx',
  ),
  printable(30),
);

function authorizations(tokens: Tokens): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    fc.constantFrom(
      undefined, `Bearer ${tokens.valid}`, `Bearer ${tokens.expired}`, `Bearer ${tokens.tampered}`, `Bearer ${tokens.unsigned}`,
      `Bearer ${tokens.foreign}`, tokens.valid, 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', `Bearer ${'a'.repeat(5_000)}`,
      `Bearer ${tokens.valid}x`, `bearer ${tokens.valid}`,
    ),
    printable(60).map((value) => `Bearer ${value}`),
  );
}

const bodies = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: jsonText },
  { weight: 2, arbitrary: brokenText },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
  { weight: 1, arbitrary: fc.integer({ min: 16 * 1024, max: 64 * 1024 }).map((n) => JSON.stringify({ name: 'x'.repeat(n) })) },
);

function httpRequests(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: methods,
      path: paths,
      query: queries,
      contentType: contentTypes,
      authorization: authorizations(tokens),
      cookie: fc.option(fc.oneof(printable(60), fc.constant(tokens.tampered)).map((value) => `convene_token=${value}`), { nil: undefined }),
      body: bodies,
    })
    .map(({ method, path, query, contentType, authorization, cookie, body }) => {
      const headers: Record<string, string> = {};
      if (contentType !== undefined) headers['content-type'] = contentType;
      if (authorization !== undefined) headers['authorization'] = authorization;
      if (cookie !== undefined) headers['cookie'] = cookie;
      return { method, path: path + query, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body };
    })
    .filter((candidate) => !isWellFormedJoin(candidate));
}

/** A join with a valid body is not hostile: it would simply be answered with a participant. */
function isWellFormedJoin(candidate: FuzzRequest): boolean {
  if (candidate.method !== 'POST' || !candidate.path.startsWith('/joinCall') || typeof candidate.body !== 'string') return false;
  try {
    const value: unknown = JSON.parse(candidate.body);
    return typeof value === 'object' && value !== null && ('name' in value || 'caller' in value);
  } catch {
    return false;
  }
}

/**
 * The answers that are no failure: the meeting page itself (a path like
 * `/joinCall/..` is `/`), and hanging up the (no) calls of the fuzzing
 * participant's room.
 */
function isHarmlessSuccess(candidate: FuzzRequest, status: number, contentType: string, text: string): boolean {
  if (status !== 200) return false;
  if ((candidate.method === 'GET' || candidate.method === 'HEAD') && contentType.startsWith('text/html')) return true;
  return candidate.path.startsWith('/endPSTNCall') && text === '{"status":"hungup","callIds":[]}';
}

const STACK_TRACE = /\n\s+at |node_modules|\.ts:\d|\.js:\d/;

// ---------------------------------------------------------------------------
// Signalling messages

type Frame = { kind: 'text'; text: string } | { kind: 'binary'; data: Uint8Array } | { kind: 'invalid utf-8' } | { kind: 'oversized'; bytes: number };

const MESSAGE_TYPES = ['publish', 'unpublish', 'subscriptionAnswer', 'view', 'trickle', 'mute', 'ping', 'leave', 'chat', 'react', 'hand', 'host', 'hostRoom', 'welcome', 'error', 'explode', '', 'PING'];

const junkSdp = fc.oneof(fc.string({ minLength: 10, maxLength: 400 }), fc.constant('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'));
const pcIds = fc.oneof(fc.constantFrom('pub-camera', 'pub-screen'), fc.integer({ min: 0, max: 20 }).map((n) => `sub-${n}`));

/** Who a fuzzed private chat message goes to: the call's pages, the fuzzing participant itself and someone of another room (filled in once they exist). */
const chatRecipients: string[] = [];
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

const frames: fc.Arbitrary<Frame> = fc.oneof(
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
const WS_ERROR_CODES = new Set(['bad_message', 'unknown_peer_connection', 'media_unavailable', 'media_refused', 'rate_limited', 'unknown_recipient', 'not_host']);

/** The closes a frame may cause, by kind: leave (1000), not UTF-8 (1007), over maxPayload (1009). */
function expectedClose(frame: Frame): number | undefined {
  if (frame.kind === 'invalid utf-8') return 1007;
  if (frame.kind === 'oversized') return 1009;
  if (frame.kind === 'text' && parseClientMessage(frame.text).ok && (JSON.parse(frame.text) as { type: string }).type === 'leave') return CloseCode.normal;
  return undefined;
}

/** How a socket opened without a token must be closed for its first frame: bad frames as ever, a well-formed `authenticate` (with a bad token) as unauthorized, anything else as a protocol error. */
function expectedFirstClose(frame: Frame): number {
  if (frame.kind === 'invalid utf-8') return 1007;
  if (frame.kind === 'oversized') return 1009;
  if (frame.kind === 'text' && parseMessage(Authenticate, frame.text).ok) return CloseCode.unauthorized;
  return CloseCode.protocolError;
}

/** Opens a socket without a token, waits for its hello, sends one frame and resolves with the close code. */
function firstMessageClose(url: string, frame: Frame): Promise<number> {
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
class FuzzingPage {
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

function upgradeStatus(url: string): Promise<number> {
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

// ---------------------------------------------------------------------------

describe('fuzzing the HTTP API and the signalling WebSocket', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let trunk: Socket;
  let browser: Browser;
  let pages: Page[];
  let tokens: Tokens;
  let agent: Agent;
  const framesDecoded: number[][] = [];

  /** Records how many frames each page has decoded so far, and checks that every page decoded more than at the last sample. */
  async function expectCallStillDecoding(): Promise<void> {
    const sample = await Promise.all(pages.map(async (page) => (await receiveStats(page)).framesDecoded));
    const previous = framesDecoded.at(-1);
    framesDecoded.push(sample);
    if (previous) sample.forEach((frames, i) => assert.ok(frames > previous[i]!, `page ${i} decoded ${previous[i]} then ${frames} frames`));
  }

  before(async () => {
    trunk = createSocket('udp4');
    await new Promise<void>((resolve) => trunk.bind(0, '127.0.0.1', resolve));
    server = await startTestServer({
      TOKEN_SECRET,
      ADMIN_SECRET: 'admin-secret-for-the-fuzz-tests',
      CALLBACK_SECRET: 'callback-secret-for-the-fuzz-tests',
      METRICS_SECRET: 'metrics-secret-for-the-fuzz-tests',
      SIP_TRUNK_URI: `sip:127.0.0.1:${trunk.address().port}`,
      SIP_ALLOWED_NUMBERS: '+15550000001',
      SIP_BIND_ADDRESS: '127.0.0.1',
      SIP_PORT: '0',
      RATE_LIMIT_JOIN_PER_MIN: UNLIMITED,
      RATE_LIMIT_DIAL_PER_MIN: UNLIMITED,
      RATE_LIMIT_WS_MSG_PER_S: UNLIMITED,
      RATE_LIMIT_WS_BURST: UNLIMITED,
      RATE_LIMIT_CHAT_PER_S: UNLIMITED,
      RATE_LIMIT_CHAT_BURST: UNLIMITED,
    });
    agent = new Agent({ connections: 4, keepAliveTimeout: 30_000 });

    const joined = (await (await fetch(`${server.url}/joinCall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Fuzz', room: CALL_ROOM }) })).json()) as { token: string; participantId: string };
    const [header, payload, signature] = joined.token.split('.') as [string, string, string];
    const movedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), room: 'elsewhere' })).toString('base64url');
    const shortLived = await tokenIssuer(TOKEN_SECRET, server.runDir, 1);
    const otherServer = await tokenIssuer('a-different-secret-of-32-characters-at-least', server.runDir, 60);
    tokens = {
      valid: joined.token,
      expired: await shortLived.issue({ participantId: joined.participantId, room: CALL_ROOM, name: 'Fuzz' }),
      tampered: `${header}.${movedPayload}.${signature}`,
      unsigned: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`,
      foreign: await otherServer.issue({ participantId: joined.participantId, room: CALL_ROOM, name: 'Fuzz' }),
    };

    browser = await launchBrowser();
    const [alice, bob] = await Promise.all([newPage(browser), newPage(browser)]);
    pages = [alice, bob];
    await joinMeeting(alice, server.url, 'Alice', CALL_ROOM);
    await joinMeeting(bob, server.url, 'Bob', CALL_ROOM);
    for (const page of pages) await expectMediaFlowing(page);
    await expectCallStillDecoding();
    const elsewhere = (await (await fetch(`${server.url}/joinCall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Elsewhere', room: 'fuzz-elsewhere' }) })).json()) as { participantId: string };
    for (const page of pages) chatRecipients.push(await page.evaluate(() => (window as unknown as { convene: { selfId: string } }).convene.selfId));
    chatRecipients.push(joined.participantId, elsewhere.participantId);
    await untilExpired(tokens.expired);
  });

  after(async () => {
    await agent?.close();
    await browser?.close();
    await server?.close();
    trunk?.close();
  });

  it(`answers ${HTTP_RUNS} hostile HTTP requests with a 4xx and an error code, never a stack trace`, async (t) => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(httpRequests(tokens), async (candidate) => {
        const response = await request(`${server.url}${candidate.path}`, {
          method: candidate.method as 'GET',
          headers: candidate.headers,
          body: candidate.body,
          dispatcher: agent,
        });
        const text = await response.body.text();
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        assert.doesNotMatch(text, STACK_TRACE);
        if (isHarmlessSuccess(candidate, response.statusCode, String(response.headers['content-type'] ?? ''), text)) return;
        assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${candidate.method} ${candidate.path.slice(0, 80)}: ${response.statusCode} ${text.slice(0, 200)}`);
        if (candidate.method === 'HEAD') return;
        const body = JSON.parse(text) as { error: { code: keyof typeof HttpErrors; reason: string } };
        assert.equal(HttpErrors[body.error.code], response.statusCode, text.slice(0, 200));
        assert.equal(typeof body.error.reason, 'string');
      }),
      { numRuns: HTTP_RUNS },
    );
    t.diagnostic(`HTTP requests sent: ${[...statuses.values()].reduce((a, b) => a + b, 0)}; by status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    await expectCallStillDecoding();
  });

  it(`refuses ${UPGRADE_RUNS} WebSocket upgrades with bad queries before upgrading (no query at all opens a socket that must authenticate)`, async (t) => {
    const badQueries = fc.oneof(
      fc.constantFrom(tokens.expired, tokens.tampered, tokens.unsigned, tokens.foreign, `${tokens.valid}x`, 'x'.repeat(5_000)).map((token) => `?token=${encodeURIComponent(token)}`),
      fc.webQueryParameters().filter((query) => new URLSearchParams(query).size > 0).map((query) => `?${query}`),
      printable(40).map((token) => `?token=${encodeURIComponent(token)}`),
      fc.constantFrom(`?token=${tokens.valid}&token=${tokens.valid}`, `?token=${tokens.valid}&room=elsewhere`, `?token[]=${tokens.valid}`, '?token=', '?__proto__[token]=x'),
    );
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(badQueries, async (query) => {
        sent += 1;
        const status = await upgradeStatus(`${server.url.replace('http', 'ws')}/ws${query}`);
        assert.ok(status === 400 || status === 401, `/ws${query.slice(0, 80)}: ${status}`);
      }),
      { numRuns: UPGRADE_RUNS },
    );
    t.diagnostic(`upgrades refused: ${sent}`);
  });

  it(`closes ${ANONYMOUS_RUNS} sockets opened without a token whose first message does not authenticate`, async (t) => {
    const badTokens = fc.constantFrom(tokens.expired, tokens.tampered, tokens.unsigned, tokens.foreign, `${tokens.valid}x`, 'x');
    const firstFrames: fc.Arbitrary<Frame> = fc.oneof(
      { weight: 3, arbitrary: frames },
      { weight: 1, arbitrary: badTokens.map((token) => ({ kind: 'text' as const, text: JSON.stringify({ type: 'authenticate', token }) })) },
    );
    const closes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(firstFrames, async (frame) => {
        const closeCode = await firstMessageClose(`${server.url.replace('http', 'ws')}/ws`, frame);
        closes.set(closeCode, (closes.get(closeCode) ?? 0) + 1);
        assert.equal(closeCode, expectedFirstClose(frame), `closed with ${closeCode}`);
      }),
      { numRuns: ANONYMOUS_RUNS },
    );
    t.diagnostic(`closes: ${JSON.stringify(Object.fromEntries(closes))}`);
  });

  it(`answers ${WS_RUNS} hostile signalling messages with error codes or known closes, and the call goes on`, async (t) => {
    const fuzzing = new FuzzingPage(`${server.url.replace('http', 'ws')}/ws?token=${tokens.valid}`);
    const errorCodes = new Map<string, number>();
    const closes = new Map<number, number>();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(frames, async (frame) => {
        sent += 1;
        const { replies, closeCode } = await fuzzing.exchange(frame);
        for (const reply of replies) {
          const message = ServerMessage.parse(reply);
          if (message.type !== 'error') continue;
          errorCodes.set(message.code, (errorCodes.get(message.code) ?? 0) + 1);
          assert.ok(WS_ERROR_CODES.has(message.code), `error ${message.code}: ${message.reason}`);
        }
        if (closeCode !== undefined) {
          closes.set(closeCode, (closes.get(closeCode) ?? 0) + 1);
          assert.equal(closeCode, expectedClose(frame), `closed with ${closeCode}`);
          return;
        }
        assert.equal(expectedClose(frame), undefined, 'the connection should have been closed');
        const wellFormed = frame.kind === 'text' && parseClientMessage(frame.text).ok;
        if (!wellFormed) assert.ok(replies.some((r) => (r as { type: string; code?: string }).type === 'error' && (r as { code: string }).code === 'bad_message'), 'a malformed message is answered with bad_message');
      }),
      { numRuns: WS_RUNS },
    );
    fuzzing.close();
    t.diagnostic(`signalling messages sent: ${sent}; errors: ${JSON.stringify(Object.fromEntries(errorCodes))}; closes: ${JSON.stringify(Object.fromEntries(closes))}`);
    await expectCallStillDecoding();
  });

  it('is still healthy, unpolluted, and the call still decodes video at the end', async () => {
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    for (const key of ['polluted', 'x', 'a', 'prototype']) assert.equal(({} as Record<string, unknown>)[key], undefined, `Object.prototype.${key}`);
    for (const page of pages) await expectMediaFlowing(page);
    await expectCallStillDecoding();
  });
});
