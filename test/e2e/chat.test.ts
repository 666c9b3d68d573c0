/**
 * Chat and reactions between real pages on two app servers sharing a real
 * Redis (and one Janus node): messages reach the whole room on either
 * server and no other room, private ones only their two ends, a late
 * joiner gets the history, hostile text stays text, reactions show on
 * every page, a flood is cut off while the call goes on, and the history
 * goes with its room.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createClient } from '@redis/client';
import WebSocket from 'ws';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import type { EmbeddedJanus } from '../../src/media/EmbeddedJanus.js';
import { CloseCode } from '../../src/protocol/messages.js';
import { startTestJanus } from '../support/testJanus.js';
import { launchBrowser, newPage } from '../support/browser.js';
import { expectMediaFlowing, joinMeeting, waitFor } from '../support/meetingPage.js';
import { ConveneClient, joinCall } from '../support/conveneClient.js';
import { startRedis, type TestRedis } from '../support/cluster/redisServer.js';
import { startAppServer, type TestAppServer } from '../support/cluster/appServer.js';
import { RedisChatStore } from '../../src/cluster/RedisChatStore.js';
import { CHAT_HISTORY_LENGTH } from '../../src/cluster/ChatStore.js';
import { uncountedFailures } from '../../src/support/failures.js';

const ROOM = 'chat-a';
const OTHER_ROOM = 'chat-b';
const ADMIN_SECRET = randomBytes(18).toString('base64url');
const JANUS_SECRET = randomBytes(18).toString('base64url');
const DELIVERY_LIMIT_MS = 1_000;
const FLOOD_MESSAGES = 1_000;
const CHAT_BURST = 10;

async function selfId(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { convene: { selfId: string } }).convene.selfId);
}

/** Records in the page when each chat message first shows (Date.now(), the clock this machine's processes share), by its text. */
async function recordArrivals(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    Object.assign(window, { chatSeen: seen });
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          const text = node instanceof HTMLElement ? node.querySelector('.chat-text')?.textContent : undefined;
          if (text != null) seen[text] ??= Date.now();
        }
      }
    }).observe(document.getElementById('chat-messages')!, { childList: true });
  });
}

/** When the message with this text showed on the page, once it has (within `timeoutMs`). */
async function arrival(page: Page, text: string, timeoutMs = 5_000): Promise<number | undefined> {
  const read = () => page.evaluate((wanted) => (window as unknown as { chatSeen: Record<string, number> }).chatSeen[wanted], text);
  return waitFor(read, (at) => at !== undefined, timeoutMs, 20);
}

/** The texts of the chat messages the page shows, in order. */
function chatTexts(page: Page): Promise<string[]> {
  return page.locator('#chat-messages .chat-text').allTextContents();
}

/** Writes a message in the chat panel as a person would (opening it first), to everyone or privately to `to`; resolves when it is sent. */
async function sendChat(page: Page, text: string, to?: string): Promise<number> {
  if (await page.locator('#chat-panel').isHidden()) await page.click('#chat-button');
  await page.selectOption('#chat-to', to === undefined ? { label: 'Everyone' } : { label: to });
  await page.fill('#chat-text', text);
  const sentAt = Date.now();
  await page.press('#chat-text', 'Enter');
  return sentAt;
}

describe('chat and reactions across two app servers', () => {
  let dir: string;
  let redis: TestRedis;
  let janus: EmbeddedJanus;
  let janusRunDir: string;
  let apps: TestAppServer[];
  let app1: TestAppServer;
  let app2: TestAppServer;
  let browser: Browser;
  let alice: Page;
  let bob: Page;
  let erin: Page;
  let carol: Page;
  let directory: ReturnType<typeof createClient>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'convene-chat-'));
    redis = await startRedis(dir);
    const node = await startTestJanus('42000-42499', JANUS_SECRET);
    janus = node.janus;
    janusRunDir = node.runDir;
    const env = {
      REDIS_URL: redis.url,
      JANUS_URLS: janus.url,
      JANUS_API_SECRET: JANUS_SECRET,
      TOKEN_SECRET: randomBytes(32).toString('base64url'),
      ADMIN_SECRET,
      RECONNECT_GRACE_S: '2',
    };
    apps = await Promise.all([startAppServer('app1', env), startAppServer('app2', env)]);
    [app1, app2] = apps as [TestAppServer, TestAppServer];
    directory = createClient({ url: redis.url });
    await directory.connect();
    browser = await launchBrowser();
    [alice, bob, erin, carol] = await Promise.all([newPage(browser), newPage(browser), newPage(browser), newPage(browser)]);
    await joinMeeting(alice, app1.url, 'Alice', ROOM);
    await joinMeeting(bob, app2.url, 'Bob', ROOM);
    await joinMeeting(erin, app2.url, 'Erin', ROOM, { camera: false });
    await joinMeeting(carol, app2.url, 'Carol', OTHER_ROOM, { camera: false });
    for (const page of [alice, bob, erin, carol]) await recordArrivals(page);
    // Everyone in the room lists the others as recipients once they are shown.
    for (const page of [alice, bob, erin]) await page.waitForFunction(() => document.querySelectorAll('#chat-to option').length === 3);
  });

  after(async () => {
    await browser?.close();
    directory?.destroy();
    await Promise.all((apps ?? []).map((app) => app.stop()));
    await janus?.stop();
    if (janusRunDir) await rm(janusRunDir, { recursive: true, force: true });
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    for (const app of apps ?? []) app.assertNoUnhandledRejection();
  });

  afterEach(() => {
    for (const app of apps ?? []) app.assertNoUnhandledRejection();
  });

  it('delivers a message to everyone in the room on both app servers within 1 s, and to nobody in another room', async (t) => {
    const text = 'Hello from Alice on app server 1';
    const sentAt = await sendChat(alice, text);
    const delays: Record<string, number> = {};
    for (const [name, page] of Object.entries({ alice, bob, erin })) {
      const at = await arrival(page, text);
      assert.ok(at !== undefined, `${name} shows the message`);
      delays[name] = at - sentAt;
    }
    t.diagnostic(`from Enter to the message on screen: Alice (app1, her own) ${delays['alice']} ms, Bob (app2) ${delays['bob']} ms, Erin (app2) ${delays['erin']} ms`);
    for (const [name, delayMs] of Object.entries(delays)) assert.ok(delayMs < DELIVERY_LIMIT_MS, `${name} got it in ${delayMs} ms`);
    assert.equal(await alice.locator('#chat-messages .chat-sender').last().textContent(), 'You');
    assert.equal(await bob.locator('#chat-messages .chat-sender').last().textContent(), 'Alice');
    // Bob's panel is closed: his Chat button counts the message, and screen readers hear who wrote.
    assert.equal(await bob.locator('#chat-button .chat-badge').textContent(), '1 unread');
    assert.equal(await bob.locator('.call-bar [aria-live="polite"]', { hasText: 'Message from' }).textContent(), 'Message from Alice');

    // Carol's own room's message reaches her after Alice's went out: by then, a leak would have shown.
    const carols = 'Carol, alone in the other room';
    await sendChat(carol, carols);
    assert.ok((await arrival(carol, carols)) !== undefined);
    assert.deepEqual(await chatTexts(carol), [carols], 'Carol sees only her own room');
    for (const page of [alice, bob, erin]) assert.ok(!(await chatTexts(page)).includes(carols), 'the other room is not shown');
  });

  it('delivers a private message only to its addressee (on the other app server) and its sender', async (t) => {
    const secret = 'Bob, just between us';
    const sentAt = await sendChat(alice, secret, 'Bob');
    const atBob = await arrival(bob, secret);
    assert.ok(atBob !== undefined && (await arrival(alice, secret)) !== undefined, 'Bob and Alice show it');
    t.diagnostic(`private message on Bob's screen (app2) ${atBob - sentAt} ms after Enter`);
    assert.equal(await bob.locator('#chat-messages .chat-private').last().textContent(), 'to you (private)');
    assert.equal(await alice.locator('#chat-messages .chat-private').last().textContent(), 'to Bob (private)');
    // Erin is on Bob's server; a message to everyone after the private one reaches her.
    const after = 'And now to everyone again';
    await sendChat(alice, after);
    assert.ok((await arrival(erin, after)) !== undefined);
    assert.ok(!(await chatTexts(erin)).includes(secret), 'Erin does not see the private message');
  });

  it('refuses a private message to someone in another room, and shows it to nobody', async () => {
    const visitor = await ConveneClient.connect(app2.url, await joinCall(app2.url, 'Visitor', ROOM));
    try {
      await visitor.next('welcome');
      const text = 'Carol, can you read this from the other room?';
      visitor.send({ type: 'chat', text, to: await selfId(carol) });
      assert.equal((await visitor.next('error')).code, 'unknown_recipient');
      const barrier = 'Visitor says hello to the room';
      visitor.send({ type: 'chat', text: barrier });
      assert.ok((await arrival(bob, barrier)) !== undefined);
      for (const page of [alice, bob, erin, carol]) assert.ok(!(await chatTexts(page)).includes(text), 'nobody shows it');
    } finally {
      await visitor.leave();
    }
  });

  it('gives a page that joins later the history it may see: everyone\'s messages, not others\' private ones', async (t) => {
    const dave = await newPage(browser);
    try {
      await joinMeeting(dave, app1.url, 'Dave', ROOM, { camera: false });
      const expected = ['Hello from Alice on app server 1', 'And now to everyone again', 'Visitor says hello to the room'];
      const texts = await waitFor(() => chatTexts(dave), (shown) => shown.length >= expected.length, 5_000);
      t.diagnostic(`Dave's history: ${JSON.stringify(texts)}`);
      assert.deepEqual(texts, expected);
      assert.equal(await dave.locator('#chat-button .chat-badge').textContent(), '3 unread', 'the unread badge counts them');
      await dave.click('#leave-button');
    } finally {
      await dave.context().close();
    }
  });

  it('shows hostile text as text: no element from markup, no javascript: link, http(s) addresses as safe links', async () => {
    const hostile = ['<img src=x onerror="window.hacked=1">', 'javascript:window.hacked=2', '<a href="javascript:window.hacked=3">click</a>', 'see https://example.org/a?b=1&c=%3Cx%3E and http://example.net.'];
    for (const text of hostile) await sendChat(alice, text);
    for (const text of hostile) assert.ok((await arrival(bob, text)) !== undefined, `Bob shows ${text}`);
    const dom = await bob.evaluate(() => {
      const log = document.getElementById('chat-messages')!;
      return {
        images: log.querySelectorAll('img').length,
        elementsInText: [...log.querySelectorAll('.chat-text *')].map((e) => e.tagName),
        links: [...log.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), rel: a.rel, target: a.target, text: a.textContent })),
        hacked: (window as unknown as { hacked?: number }).hacked,
      };
    });
    assert.equal(dom.images, 0, 'no img element');
    assert.equal(dom.hacked, undefined, 'no script ran');
    assert.deepEqual(dom.elementsInText, ['A', 'A'], 'the only elements in message text are the two http(s) links');
    assert.deepEqual(dom.links, [
      { href: 'https://example.org/a?b=1&c=%3Cx%3E', rel: 'noopener noreferrer', target: '_blank', text: 'https://example.org/a?b=1&c=%3Cx%3E' },
      { href: 'http://example.net/', rel: 'noopener noreferrer', target: '_blank', text: 'http://example.net' },
    ]);
    assert.ok(!dom.links.some((link) => link.href?.startsWith('javascript:')), 'no javascript: link');
  });

  it('shows a reaction on the sender\'s tile on every page in the room, and announces it', async () => {
    const aliceId = await selfId(alice);
    await alice.click('#react-button');
    await alice.click('#react-picker button[aria-label="thumbs up"]');
    const onAlicesTile = `.tile[data-participant-id="${aliceId}"][data-feed="camera"] .tile-reaction`;
    for (const page of [alice, bob, erin]) {
      await page.waitForSelector(onAlicesTile, { timeout: 2_000 });
      assert.equal(await page.locator(onAlicesTile).textContent(), '👍');
    }
    assert.equal(await bob.locator('.call-bar [aria-live="polite"]', { hasText: 'thumbs up' }).textContent(), 'Alice: thumbs up');
    assert.equal(await alice.locator('.call-bar [aria-live="polite"]', { hasText: 'thumbs up' }).textContent(), 'You: thumbs up');
    // Shown briefly: gone a few seconds later.
    await bob.waitForSelector(onAlicesTile, { state: 'detached', timeout: 6_000 });
  });

  it(`passes on the first ${CHAT_BURST} of a burst of chat messages and answers the rest with rate_limited, without cutting the page off`, async (t) => {
    const chatty = await ConveneClient.connect(app1.url, await joinCall(app1.url, 'Chatty', ROOM));
    try {
      await chatty.next('welcome');
      const errors: string[] = [];
      chatty.onEach((message) => {
        if (message.type === 'error') errors.push(message.code);
      });
      const burst = 25;
      for (let n = 0; n < burst; n++) chatty.send({ type: 'chat', text: `chatty ${n}` });
      // The last one passed on (the burst is handled in order) reaches Bob after all the others.
      assert.ok((await arrival(bob, `chatty ${CHAT_BURST - 1}`)) !== undefined);
      await waitFor(async () => errors.length, (n) => n >= burst - CHAT_BURST, 5_000, 20);
      chatty.send({ type: 'ping', nonce: 1 });
      await chatty.next('pong', 5_000, (pong) => pong.nonce === 1);
      const shown = (await chatTexts(bob)).filter((text) => text.startsWith('chatty '));
      t.diagnostic(`a burst of ${burst}: ${shown.length} shown on Bob's page, errors ${JSON.stringify(errors)}`);
      assert.deepEqual(shown, Array.from({ length: CHAT_BURST }, (_, n) => `chatty ${n}`));
      assert.deepEqual(errors, Array<string>(burst - CHAT_BURST).fill('rate_limited'));
    } finally {
      await chatty.leave();
    }
  });

  it(`cuts off a socket that floods ${FLOOD_MESSAGES} chat messages after rate_limited errors; the others keep their chat and media`, async (t) => {
    const join = await joinCall(app1.url, 'Flood', ROOM);
    const socket = new WebSocket(`${app1.url.replace('http', 'ws')}/ws?token=${encodeURIComponent(join.token)}`);
    const received: Array<{ type: string; code?: string }> = [];
    socket.on('message', (data) => received.push(JSON.parse(String(data)) as { type: string; code?: string }));
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    assert.ok(await waitFor(async () => received.some((m) => m.type === 'welcome'), Boolean, 10_000, 20), 'the flooding page is welcomed');
    for (let n = 0; n < FLOOD_MESSAGES; n++) socket.send(JSON.stringify({ type: 'chat', text: `flood ${n}` }));
    const code = await closed;
    const refusals = received.filter((m) => m.type === 'error' && m.code === 'rate_limited').length;
    const otherErrors = received.filter((m) => m.type === 'error' && m.code !== 'rate_limited');
    const floodOnBob = async () => (await chatTexts(bob)).filter((text) => text.startsWith('flood ')).length;
    t.diagnostic(`flood: ${refusals} rate_limited errors, then closed with ${code}; flood messages shown on Bob's page: ${await floodOnBob()}`);
    assert.equal(code, CloseCode.tooManyMessages);
    assert.ok(refusals >= 1, 'told rate_limited before being cut off');
    assert.deepEqual(otherErrors, []);
    assert.ok((await floodOnBob()) <= CHAT_BURST, 'no more than the chat burst reached the room');

    const text = 'Still here after the flood';
    const sentAt = await sendChat(bob, text);
    const atAlice = await arrival(alice, text);
    assert.ok(atAlice !== undefined, 'Alice still gets chat');
    t.diagnostic(`after the flood, Bob's message (app2) on Alice's screen (app1) ${atAlice - sentAt} ms after Enter`);
    assert.ok(atAlice - sentAt < DELIVERY_LIMIT_MS);
    for (const page of [alice, bob]) await expectMediaFlowing(page);
  });

  it(`keeps a room's last ${CHAT_HISTORY_LENGTH} messages in Redis, and deletes them only once the room's hash is gone`, async () => {
    const roomKey = (room: string) => `convene:room:${room}`;
    const store = new RedisChatStore(directory, roomKey, 60_000, uncountedFailures(pino({ level: 'silent' })));
    const room = 'chat-store';
    await directory.hSet(roomKey(room), 'm:someone', '{}');
    for (let n = 0; n < CHAT_HISTORY_LENGTH + 5; n++) await store.append(room, { id: `m${n}`, from: 'participant-1', fromName: 'Ann', text: `message ${n}`, sentAt: n });
    const kept = await store.history(room);
    assert.equal(kept.length, CHAT_HISTORY_LENGTH);
    assert.deepEqual([kept[0]?.id, kept.at(-1)?.id], ['m5', `m${CHAT_HISTORY_LENGTH + 4}`], 'the oldest went first');
    assert.ok((await directory.pTTL(`convene:chat:${room}`)) > 0, 'it expires if nobody serves the room');
    await store.releaseIfRoomGone(room);
    assert.equal((await store.history(room)).length, CHAT_HISTORY_LENGTH, 'kept while the room is there');
    await directory.del(roomKey(room));
    await store.releaseIfRoomGone(room);
    assert.deepEqual(await store.history(room), []);
  });

  it('keeps the history in Redis while the room lasts, and removes it when the room ends or empties', async () => {
    const historyOf = (room: string) => directory.lLen(`convene:chat:${room}`);
    assert.ok((await historyOf(ROOM)) > 0, 'the room has its history');
    assert.equal(await historyOf(OTHER_ROOM), 1);

    const ended = await fetch(`${app1.url}/endSession`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_SECRET}`, 'content-type': 'application/json' }, body: JSON.stringify({ room: OTHER_ROOM }) });
    assert.equal(ended.status, 200);
    assert.equal(await waitFor(() => historyOf(OTHER_ROOM), (n) => n === 0, 10_000), 0, 'an ended room loses its history');
    assert.ok((await historyOf(ROOM)) > 0, 'the other room keeps its own');

    // Alice leaves first: Bob and Erin are still in the room (on app2), so it keeps its history.
    const aliceId = await selfId(alice);
    await alice.click('#leave-button');
    await bob.waitForSelector(`#grid .tile[data-participant-id="${aliceId}"]`, { state: 'detached' });
    assert.ok((await historyOf(ROOM)) > 0, 'the room keeps its history while others are in it');
    for (const page of [bob, erin]) await page.click('#leave-button');
    assert.equal(await waitFor(() => historyOf(ROOM), (n) => n === 0, 10_000), 0, 'an emptied room loses its history');
  });
});
