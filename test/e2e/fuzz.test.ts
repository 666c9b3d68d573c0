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
import { CloseCode, ServerMessage } from '../../src/protocol/messages.js';
import { parseClientMessage } from '../../src/signalling/parseMessage.js';
import { launchBrowser, newPage } from '../support/browser.js';
import { tokenIssuer, untilExpired } from '../support/tokens.js';
import { startTestServer } from '../support/testServer.js';
import { expectMediaFlowing, joinMeeting, receiveStats } from '../support/meetingPage.js';
import { printable } from '../support/fuzz/hostileValues.js';
import { httpRequests, isHarmlessSuccess, queries, STACK_TRACE, type Tokens } from '../support/fuzz/httpRequests.js';
import { chatRecipients, expectedClose, expectedFirstClose, firstMessageClose, frames, FuzzingPage, upgradeStatus, WS_ERROR_CODES, type Frame } from '../support/fuzz/signallingFrames.js';

const HTTP_RUNS = 10_000;
const UPGRADE_RUNS = 500;
const WS_RUNS = 5_000;
const ANONYMOUS_RUNS = 300;

const TOKEN_SECRET = 'token-secret-for-the-fuzz-tests-0123456789';
const CALL_ROOM = 'fuzz-call';
const UNLIMITED = '1000000';

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
