/**
 * Rate limits: `/joinCall` and `/startPSTNCall` per client address and per
 * room (client addresses come from X-Forwarded-For, as behind a trusted
 * proxy), and the signalling WebSocket's per-connection message budget.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startTestServer } from '../support/testServer.js';
import { waitFor } from '../support/meetingPage.js';

interface Reply {
  status: number;
  retryAfter: string | null;
  body: { error?: { code: string; reason: string }; token?: string };
}

async function post(url: string, body: unknown, from: string, token?: string): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Reply['body'] };
}

function assertRateLimited(reply: Reply): void {
  assert.equal(reply.status, 429);
  assert.equal(reply.body.error?.code, 'rate_limited');
  assert.equal(typeof reply.body.error?.reason, 'string');
  const retryAfter = Number(reply.retryAfter);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${reply.retryAfter}`);
}

describe('rate limits', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const join = (room: string, from: string) => post(`${server.url}/joinCall`, { name: 'Ann', room }, from);
  const dial = (token: string, from: string) => post(`${server.url}/startPSTNCall`, { number: '+15550001000' }, from, token);

  before(async () => {
    server = await startTestServer({
      RATE_LIMIT_JOIN_PER_MIN: '3',
      RATE_LIMIT_DIAL_PER_MIN: '2',
      // A burst of 5, then one message a second: no allowance comes back while the test sends, so the counts are exact.
      RATE_LIMIT_WS_MSG_PER_S: '1',
      RATE_LIMIT_WS_BURST: '5',
      TRUST_PROXY: '127.0.0.1',
    });
  });
  after(async () => server?.close());

  it('/joinCall: a burst from one address beyond the limit gets 429 rate_limited with Retry-After', async () => {
    const replies = [];
    for (const room of ['a1', 'a2', 'a3', 'a4', 'a5']) replies.push(await join(room, '203.0.113.1'));
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 429, 429]);
    assertRateLimited(replies[3]!);
    assert.equal((await join('a1', '203.0.113.2')).status, 200, 'another address still joins');
  });

  it('/joinCall: a burst into one room from many addresses beyond the limit gets 429', async () => {
    const replies = [];
    for (const host of [11, 12, 13, 14]) replies.push(await join('busy', `203.0.113.${host}`));
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 429]);
    assertRateLimited(replies[3]!);
    assert.equal((await join('quiet', '203.0.113.15')).status, 200, 'another room still takes joins');
  });

  it('/joinCall: bodies that name no valid room use up no room\'s allowance', async () => {
    for (const host of [21, 22, 23, 24]) assert.equal((await post(`${server.url}/joinCall`, { room: 'spared' }, `203.0.113.${host}`)).status, 400);
    assert.equal((await join('spared', '203.0.113.25')).status, 200);
  });

  it('/startPSTNCall: a burst from one address, or for one room, beyond the limit gets 429', async () => {
    // Dial-out is not configured here: calls within the limits get 503, the limits answer first.
    const token = (await join('dialling', '198.51.100.1')).body.token!;
    const fromOne = [await dial(token, '198.51.100.1'), await dial(token, '198.51.100.1'), await dial(token, '198.51.100.1')];
    assert.deepEqual(fromOne.map((r) => r.status), [503, 503, 429]);
    assertRateLimited(fromOne[2]!);

    const roomToken = (await join('dialling-room', '198.51.100.2')).body.token!;
    const forOneRoom = [];
    for (const host of [3, 4, 5]) forOneRoom.push(await dial(roomToken, `198.51.100.${host}`));
    assert.deepEqual(forOneRoom.map((r) => r.status), [503, 503, 429]);
    assertRateLimited(forOneRoom[2]!);
  });

  it('/startPSTNCall: forged tokens use up no room\'s allowance', async () => {
    const token = (await join('forged', '198.51.100.20')).body.token!;
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    for (const host of [21, 22, 23]) assert.equal((await dial(forged, `198.51.100.${host}`)).status, 401);
    assert.equal((await dial(token, '198.51.100.24')).status, 503, 'the room still has its calls');
  });

  it('WebSocket: a flood gets rate_limited errors, and a page that keeps going is closed with 4429', async () => {
    const token = (await join('flood', '192.0.2.1')).body.token!;
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws?token=${token}`);
    const received: Array<{ type: string; code?: string }> = [];
    socket.on('message', (data) => received.push(JSON.parse(String(data)) as { type: string; code?: string }));
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    const count = (type: string, from = 0) => received.slice(from).filter((m) => m.type === type).length;
    // Requests wait for the welcome; a page cut off before it would never be answered.
    assert.equal(await waitFor(async () => count('welcome'), (n) => n === 1, 10_000, 20), 1, 'the page is welcomed');
    const send = (pings: number) => {
      for (let nonce = 0; nonce < pings; nonce++) socket.send(JSON.stringify({ type: 'ping', nonce }));
    };

    // The burst, answered in full before the flood: an answer still queued when the page is cut off is dropped.
    send(5);
    assert.equal(await waitFor(async () => count('pong'), (n) => n === 5, 5_000, 20), 5, 'the burst is answered');
    const afterBurst = received.length;
    send(100);
    const code = await closed;
    const errors = received.slice(afterBurst).filter((m) => m.type === 'error');
    assert.equal(count('pong', afterBurst), 0, 'nothing past the burst is answered');
    assert.deepEqual(errors.map((m) => m.code), Array<string>(20).fill('rate_limited'), 'twenty refusals, then the page is cut off');
    assert.equal(code, 4429);
  });
});
