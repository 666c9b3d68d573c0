/**
 * Rooms are sealed from each other, and tokens are the only key: a token
 * for room A reaches nothing of room B (its signalling, feeds, names,
 * mutes, phones or its end), and an expired or tampered token is refused
 * on HTTP and on the WebSocket. Also the room password set by the first
 * joiner, and the per-room participant cap.
 *
 * Room B has a real page (headless Chromium, publishing its camera) and a
 * phone call that stays "dialling" towards a trunk that never answers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { ServerMessage, type ParticipantInfo } from '../../src/protocol/messages.js';
import { launchBrowser, newPage } from '../support/browser.js';
import { tokenIssuer, untilExpired } from '../support/tokens.js';
import { startTestServer } from '../support/testServer.js';
import { joinMeeting, waitFor } from '../support/meetingPage.js';
import { upgradeStatus } from '../support/upgradeStatus.js';

const TOKEN_SECRET = 'token-secret-for-isolation-tests-0123456789';
const ADMIN_SECRET = 'admin-secret-for-tests';
const PHONE = '+15550001000';
const VISITOR = 'Visitor';

interface Reply {
  status: number;
  body: { error?: { code: string }; [field: string]: unknown };
}

const parseMessage = (data: unknown): ServerMessage => ServerMessage.parse(JSON.parse(String(data)));

/** A signalling client that keeps every message it receives. */
class SignallingProbe {
  readonly messages: ServerMessage[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push(parseMessage(data)));
  }

  static async open(url: string): Promise<SignallingProbe> {
    const client = new SignallingProbe(new WebSocket(url));
    await new Promise((resolve, reject) => {
      client.socket.once('message', resolve);
      client.socket.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /**
   * Sends a ping and waits for its pong. The server handles a page's messages in order and answers on the
   * same socket, so by then it has handled everything sent before the ping, and what that made it send
   * this page has arrived.
   */
  async settle(): Promise<void> {
    const nonce = Math.floor(Math.random() * 1e9);
    this.send({ type: 'ping', nonce });
    const ponged = await waitFor(async () => this.messages.some((m) => m.type === 'pong' && m.nonce === nonce), (seen) => seen, 5_000, 20);
    assert.ok(ponged, `no pong for ping ${nonce} within 5 s`);
  }
}

/** A token whose signature has one character changed in the middle (the last one may only carry padding bits). */
function flipSignature(token: string): string {
  const at = token.lastIndexOf('.') + 10;
  return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
}

/** A token whose payload names another room, keeping the original signature. */
function moveToRoom(token: string, room: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, room })).toString('base64url')}.${signature}`;
}

/** An unsigned token (`alg: none`) with the same claims. */
function unsigned(token: string): string {
  const [, payload] = token.split('.') as [string, string];
  return `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
}

describe('isolation between rooms, and token checks', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let trunk: Socket;
  let browser: Browser;
  let bea: Page;
  const beaMessages: ServerMessage[] = [];
  let tokenA: string;
  let tokenB: string;
  let beaId: string;
  let phoneCallB: string;
  let wsUrl: string;

  const request = async (method: string, path: string, token: string | undefined, body?: unknown): Promise<Reply> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Reply['body'] };
  };
  const join = (room: string, name: string, password?: string) => request('POST', '/joinCall', undefined, { room, name, ...(password ? { password } : {}) });
  const roomB = () => {
    const room = server.rooms.get('room-b');
    assert.ok(room, 'room B is open');
    return room;
  };

  /**
   * A visitor joins room B and leaves again, giving room B news to tell. Bea's page hears of the visit after
   * whatever the server sent it earlier (one socket keeps its order), so once it has, `beaHeard` holds all
   * that Bea was sent from `since` up to the visit. `roomB` is room B as its members see it (the visitor's
   * welcome).
   */
  const visitRoomB = async (since = beaMessages.length): Promise<{ visitorId: string; roomB: ParticipantInfo[]; beaHeard: ServerMessage[] }> => {
    const joined = await join('room-b', VISITOR);
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    const visitorId = joined.body['participantId'] as string;
    const visitor = await SignallingProbe.open(`${wsUrl}?token=${joined.body['token'] as string}`);
    const [welcome] = visitor.messages;
    assert.ok(welcome?.type === 'welcome', `the visitor is welcomed: ${JSON.stringify(welcome)}`);
    const heardJoin = (m: ServerMessage) => m.type === 'participantJoined' && m.participant.participantId === visitorId;
    const joinedAt = await waitFor(async () => beaMessages.findIndex(heardJoin), (at) => at >= since, 5_000, 20);
    assert.ok(joinedAt >= since, 'Bea hears the visitor join');
    const closed = new Promise((resolve) => visitor.socket.once('close', resolve));
    visitor.send({ type: 'leave' });
    await closed;
    const heardLeave = await waitFor(async () => beaMessages.some((m) => m.type === 'participantLeft' && m.participantId === visitorId), (heard) => heard, 5_000, 20);
    assert.ok(heardLeave, 'Bea hears the visitor leave');
    return { visitorId, roomB: welcome.participants, beaHeard: beaMessages.slice(since, joinedAt) };
  };

  before(async () => {
    // A trunk that swallows every INVITE: calls stay "dialling" for the length of the test.
    trunk = createSocket('udp4');
    await new Promise<void>((resolve) => trunk.bind(0, '127.0.0.1', resolve));
    server = await startTestServer({
      TOKEN_SECRET,
      ADMIN_SECRET,
      ROOM_MAX_PARTICIPANTS: '3',
      SIP_TRUNK_URI: `sip:127.0.0.1:${trunk.address().port}`,
      SIP_DIAL_NUMBER: PHONE,
      SIP_ALLOWED_NUMBERS: '+1555*',
      SIP_BIND_ADDRESS: '127.0.0.1',
      SIP_PORT: '0',
      SIP_RING_TIMEOUT_S: '300',
    });
    wsUrl = `${server.url.replace('http', 'ws')}/ws`;
    browser = await launchBrowser();
    bea = await newPage(browser);
    // Everything the server tells Bea's page, except the pongs to the page's own pings (it times its downlink with them).
    bea.on('websocket', (socket) =>
      socket.on('framereceived', (frame) => {
        const message = parseMessage(frame.payload);
        if (message.type !== 'pong') beaMessages.push(message);
      }),
    );
    bea.on('response', async (response) => {
      if (response.url().endsWith('/joinCall')) ({ token: tokenB, participantId: beaId } = (await response.json()) as { token: string; participantId: string });
    });
    await joinMeeting(bea, server.url, 'Bea', 'room-b');
    const dialled = await request('POST', '/startPSTNCall', tokenB, { number: PHONE, name: 'Phone B' });
    assert.equal(dialled.status, 200, JSON.stringify(dialled.body));
    phoneCallB = dialled.body['callId'] as string;
    tokenA = (await join('room-a', 'Al')).body['token'] as string;
    // What the set-up makes Bea hear (her camera's answer, the phone's arrival) has arrived before any test
    // starts listening to her.
    const setUpHeard = await waitFor(
      async () => beaMessages.some((m) => m.type === 'publishAnswer') && beaMessages.some((m) => m.type === 'participantJoined' && m.participant.name === 'Phone B'),
      (heard) => heard,
      10_000,
      20,
    );
    assert.ok(setUpHeard, `Bea heard the set-up: ${JSON.stringify(beaMessages.map((m) => m.type))}`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    trunk?.close();
  });

  it('a token for room A gets room A\'s welcome only, and nothing of room B after it', async () => {
    assert.equal(await upgradeStatus(`${wsUrl}?token=${tokenA}&room=room-b`), 400, 'no room can be named beside the token');
    const al = await SignallingProbe.open(`${wsUrl}?token=${tokenA}`);
    const [welcome] = al.messages;
    assert.ok(welcome?.type === 'welcome', JSON.stringify(welcome));
    assert.equal(welcome.room, 'room-a');
    assert.deepEqual(welcome.participants, []);
    // Room B has news while Al listens; whatever of it reached Al did before his pong.
    const { visitorId } = await visitRoomB();
    await al.settle();
    const leaked = JSON.stringify(al.messages).match(new RegExp(`room-b|Bea|Phone B|${VISITOR}|${visitorId}|subscriptionOffer`, 'g'));
    assert.equal(leaked, null, `room A's page saw: ${JSON.stringify(al.messages)}`);
    al.socket.close();
  });

  it('a room A page cannot subscribe to, trickle into or mute room B', async () => {
    const al = await SignallingProbe.open(`${wsUrl}?token=${tokenA}`);
    const beaSeenBefore = beaMessages.length;
    for (const pcId of ['sub-1', 'sub-2', 'sub-3']) al.send({ type: 'subscriptionAnswer', pcId, sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' });
    al.send({ type: 'trickle', pcId: 'sub-1', candidate: null });
    al.send({ type: 'mute', audioMuted: true, videoMuted: true, participantId: beaId });
    al.send({ type: 'mute', audioMuted: true, videoMuted: true });
    await al.settle();
    const errors = al.messages.flatMap((m) => (m.type === 'error' ? [m.code] : []));
    assert.deepEqual(errors, ['unknown_peer_connection', 'unknown_peer_connection', 'unknown_peer_connection', 'unknown_peer_connection', 'bad_message']);
    const visit = await visitRoomB(beaSeenBefore);
    assert.deepEqual(visit.beaHeard, [], 'room B heard nothing of it');
    const beaInRoomB = visit.roomB.find((p) => p.participantId === beaId);
    assert.deepEqual(beaInRoomB && { audioMuted: beaInRoomB.audioMuted, videoMuted: beaInRoomB.videoMuted }, { audioMuted: false, videoMuted: false }, 'room B sees Bea unmuted');
    // Bea's own tile shows what her page announced; a mute forced on her by the server would show there too.
    assert.equal(await bea.locator('.tile.self[data-audio-muted="false"][data-video-muted="false"]').count(), 1, 'Bea\'s page shows her unmuted');
    al.socket.close();
  });

  it('/idLookup with a room A token cannot find room B\'s participants', async () => {
    assert.equal((await request('GET', `/idLookup?id=${beaId}`, tokenA)).status, 404);
    assert.deepEqual((await request('GET', `/idLookup?id=${beaId}`, tokenB)).body, { attendee: 'Bea' });
  });

  it('a room A token cannot dial from room B, nor hang up room B\'s phone', async () => {
    const forOtherRoom = await request('POST', '/startPSTNCall', tokenA, { room: 'room-b', number: PHONE });
    assert.equal(forOtherRoom.status, 403);
    assert.equal(forOtherRoom.body.error?.code, 'forbidden');
    const seedShape = await request('POST', '/startPSTNCall', tokenA, { room: 'room-b', callee: { name: 'X', phone_number: PHONE } });
    assert.equal(seedShape.status, 403);

    assert.equal((await request('POST', '/endPSTNCall', tokenA, { callId: phoneCallB })).status, 404);
    assert.equal((await request('GET', `/endPSTNCall?callId=${phoneCallB}`, tokenA)).status, 404);
    assert.deepEqual((await request('POST', '/endPSTNCall', tokenA, {})).body, { status: 'hungup', callIds: [] });
    const call = roomB().phones.calls().find((c) => c.id === phoneCallB);
    assert.equal(call?.isOver, false, 'room B\'s phone is still being called');
  });

  it('a participant token cannot end room B (/endSession takes the admin secret only)', async () => {
    for (const token of [tokenA, tokenB]) assert.equal((await request('POST', '/endSession', token, { room: 'room-b' })).status, 401);
    assert.equal(roomB().isClosed, false);
    assert.equal(await bea.locator('#connection-state').getAttribute('data-state'), 'connected');
  });

  it('refuses an expired token on HTTP and on the WebSocket', async () => {
    const shortLived = await tokenIssuer(TOKEN_SECRET, server.runDir, 1);
    const expired = await shortLived.issue({ participantId: beaId, room: 'room-b', name: 'Bea' });
    await untilExpired(expired);
    for (const [method, path] of [['GET', `/idLookup?id=${beaId}`], ['POST', '/endPSTNCall'], ['POST', '/startPSTNCall']] as const) {
      const reply = await request(method, path, expired, method === 'POST' ? {} : undefined);
      assert.equal(reply.status, 401, path);
      assert.equal(reply.body.error?.code, 'token_expired', path);
    }
    assert.equal(await upgradeStatus(`${wsUrl}?token=${expired}`), 401);
  });

  it('refuses tampered tokens on HTTP and on the WebSocket', async () => {
    const otherKey = await tokenIssuer('another-secret-of-32-characters-or-more', server.runDir, 60);
    const tampered = {
      'a flipped signature character': flipSignature(tokenA),
      'a payload moved to room B': moveToRoom(tokenA, 'room-b'),
      'no signature (alg none)': unsigned(tokenB),
      'another server\'s key': await otherKey.issue({ participantId: beaId, room: 'room-b', name: 'Bea' }),
      'a cut-off token': tokenA.slice(0, -10),
    };
    for (const [what, token] of Object.entries(tampered)) {
      assert.equal((await request('GET', `/idLookup?id=${beaId}`, token)).status, 401, what);
      assert.equal((await request('POST', '/startPSTNCall', token, { number: PHONE })).status, 401, what);
      assert.equal((await request('POST', '/endPSTNCall', token, { callId: phoneCallB })).status, 401, what);
      assert.equal(await upgradeStatus(`${wsUrl}?token=${encodeURIComponent(token)}`), 401, what);
    }
    assert.deepEqual(roomB().phones.calls().find((c) => c.id === phoneCallB)?.info(), { callId: phoneCallB, state: 'dialling' });
  });

  it('a room password is set by the first joiner, required after, and forgotten when the room closes', async () => {
    const first = await join('locked', 'Ann', 'open sesame');
    assert.equal(first.status, 200);
    for (const password of [undefined, 'guess']) {
      const refused = await join('locked', 'Mallory', password);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error?.code, 'wrong_password');
    }
    const second = await join('locked', 'Bob', 'open sesame');
    assert.equal(second.status, 200);
    assert.equal((await join('room-b', 'Carl', 'late password')).body.error?.code, 'conflict', 'a room opened without a password stays so');

    for (const reply of [first, second]) {
      const page = await SignallingProbe.open(`${wsUrl}?token=${reply.body['token'] as string}`);
      const closed = new Promise((resolve) => page.socket.once('close', resolve));
      page.send({ type: 'leave' });
      await closed;
    }
    const gone = await waitFor(async () => server.rooms.get('locked'), (room) => room === undefined, 5_000, 50);
    assert.equal(gone, undefined, 'the room closed with its last participant');
    assert.equal((await join('locked', 'Dee')).status, 200, 'a new room of the same name starts open');
  });

  it('refuses joins and dial-outs beyond ROOM_MAX_PARTICIPANTS with room_full', async () => {
    const tokens: string[] = [];
    for (const name of ['P1', 'P2', 'P3']) {
      const reply = await join('small', name);
      assert.equal(reply.status, 200);
      tokens.push(reply.body['token'] as string);
    }
    const fourth = await join('small', 'P4');
    assert.equal(fourth.status, 403);
    assert.equal(fourth.body.error?.code, 'room_full');
    const phone = await request('POST', '/startPSTNCall', tokens[0], { number: PHONE });
    assert.equal(phone.status, 403);
    assert.equal(phone.body.error?.code, 'room_full');
  });
});
