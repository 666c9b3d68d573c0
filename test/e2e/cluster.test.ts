/**
 * Two app servers and two Janus nodes sharing rooms through a real Redis,
 * behind nginx: pages on different app servers and different Janus nodes
 * meet, rooms spread over the nodes, and a crashed app server or Janus node
 * costs the pages a reconnect, not the call.
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
import { startTestJanus } from '../support/testJanus.js';
import { JanusConnection } from '../../src/media/janus/JanusConnection.js';
import * as videoroom from '../../src/media/janus/videoroom.js';
import { janusRoomIdFor } from '../../src/rooms/janusRoomId.js';
import { launchBrowser, newPage } from '../support/browser.js';
import { decodesVideoWithin, expectMediaFlowing, joinMeeting, waitFor } from '../support/meetingPage.js';
import { receivedCamera, sentLayers } from '../support/receivedMedia.js';
import { startRedis, type TestRedis } from '../support/cluster/redisServer.js';
import { startNginx, type TestNginx } from '../support/cluster/nginxProxy.js';
import { startAppServer, type TestAppServer } from '../support/cluster/appServer.js';
import { JanusAdmin, type VideoRoomHoldings } from '../support/janusAdmin.js';

const JANUS_SECRET = randomBytes(18).toString('base64url');

/** Whether the meeting room has a VideoRoom on the Janus node, asked of Janus itself. */
async function roomIsOn(janus: EmbeddedJanus, room: string): Promise<boolean> {
  const connection = await JanusConnection.connect({ url: janus.url, apiSecret: JANUS_SECRET, logger: pino({ level: 'silent' }) });
  try {
    const handle = await (await connection.createSession()).attach(videoroom.VIDEOROOM_PLUGIN);
    return await videoroom.roomExists(handle, janusRoomIdFor(room));
  } finally {
    connection.close();
  }
}

/** The text of a logged error, whether pino serialized an Error or the code logged a message. */
function errorText(err: unknown): string {
  if (typeof err === 'string') return err;
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : '';
}

async function selfId(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { convene: { selfId: string } }).convene.selfId);
}

describe('several app servers and Janus nodes on Redis', () => {
  let dir: string;
  let redis: TestRedis;
  let janus: EmbeddedJanus[];
  let janusRunDirs: string[] = [];
  let apps: TestAppServer[];
  let nginx: TestNginx;
  let browser: Browser;
  let alice: Page;
  let bob: Page;
  /** Listeners: through app server 1 first, through app server 2 first, round robin. */
  let viaApp1: string;
  let viaApp2: string;
  let roundRobin: string;
  let directory: ReturnType<typeof createClient>;
  let appEnv: Record<string, string>;

  const nodeOf = async (room: string, participantId: string): Promise<string | undefined> =>
    (await directory.hGet(`convene:room:${room}`, `n:${participantId}`)) ?? undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'convene-cluster-'));
    redis = await startRedis(dir);
    const nodes = [await startTestJanus('41000-41499', JANUS_SECRET), await startTestJanus('41500-41999', JANUS_SECRET)];
    janus = nodes.map((node) => node.janus);
    janusRunDirs = nodes.map((node) => node.runDir);
    const env = {
      REDIS_URL: redis.url,
      JANUS_URLS: janus.map((node) => node.url).join(','),
      JANUS_API_SECRET: JANUS_SECRET,
      TOKEN_SECRET: randomBytes(32).toString('base64url'),
      ROOM_NODE_CAPACITY: '1',
      RECONNECT_GRACE_S: '5',
    };
    appEnv = env;
    apps = await Promise.all([startAppServer('app1', env), startAppServer('app2', env)]);
    const [first, second] = apps.map((app) => app.address) as [string, string];
    nginx = await startNginx(dir, [{ upstreams: [first, second] }, { upstreams: [second, first] }, { upstreams: [first, second], roundRobin: true }]);
    [viaApp1, viaApp2, roundRobin] = nginx.urls as [string, string, string];
    directory = createClient({ url: redis.url });
    directory.on('error', () => undefined); // Redis restarts on purpose below; the client reconnects by itself.
    await directory.connect();
    browser = await launchBrowser();
    [alice, bob] = await Promise.all([newPage(browser), newPage(browser)]);
  });

  after(async () => {
    await browser?.close();
    directory?.destroy();
    await nginx?.stop();
    await Promise.all((apps ?? []).map((app) => app.stop()));
    await Promise.all((janus ?? []).map((node) => node.stop()));
    await Promise.all(janusRunDirs.map((runDir) => rm(runDir, { recursive: true, force: true })));
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
    // Last, so that a failure leaves nothing running; stopped servers have their whole log read.
    for (const app of apps ?? []) app.assertNoUnhandledRejection();
  });

  afterEach(() => {
    for (const app of apps ?? []) app.assertNoUnhandledRejection();
  });

  it('lets a page on app server 1 and a page on app server 2 see and hear each other, and names both on either server', async () => {
    await joinMeeting(alice, viaApp1, 'Alice', 'alpha');
    await joinMeeting(bob, viaApp2, 'Bob', 'alpha');
    for (const page of [alice, bob]) await expectMediaFlowing(page);
    assert.equal(await alice.locator('.tile:not(.self) .name').textContent(), 'Bob');
    assert.equal(await bob.locator('.tile:not(.self) .name').textContent(), 'Alice');

    const ids = { Alice: await selfId(alice), Bob: await selfId(bob) };
    for (const app of apps) {
      const joined = await fetch(`${app.url}/joinCall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Lookup', room: 'alpha' }) });
      const { token } = (await joined.json()) as { token: string };
      for (const [name, id] of Object.entries(ids)) {
        const reply = await fetch(`${app.url}/idLookup?id=${id}`, { headers: { authorization: `Bearer ${token}` } });
        assert.deepEqual(await reply.json(), { attendee: name }, `${app.url} names ${name}`);
      }
    }
  });

  it('puts Alice and Bob on different Janus nodes with a cap of one per node, and each still decodes the other', async () => {
    const nodes = [await nodeOf('alpha', await selfId(alice)), await nodeOf('alpha', await selfId(bob))];
    assert.ok(nodes[0] && nodes[1], `both are placed: ${JSON.stringify(nodes)}`);
    assert.notEqual(nodes[0], nodes[1], 'they are on different nodes');
    for (const page of [alice, bob]) await expectMediaFlowing(page);
  });

  it('gives a page a small layer of a camera on the other node for a small tile, and the top layer once it is pinned', async (t) => {
    const aliceId = await selfId(alice);
    const aliceOnBob = (check: (width: number) => boolean, timeoutMs: number) => waitFor(async () => (await receivedCamera(bob, aliceId))?.width ?? 0, check, timeoutMs);
    // Alice's browser sends its top layer once its bandwidth estimate has grown: only then can a tile ask for it.
    const sent = await waitFor(() => sentLayers(alice), (widths) => widths['h'] === 1280, 20_000);
    assert.equal(sent['h'], 1280, `Alice sends her top layer: ${JSON.stringify(sent)}`);
    await bob.setViewportSize({ width: 800, height: 600 });
    try {
      const lowLayer = (width: number) => width === 320 || width === 640;
      const small = await aliceOnBob(lowLayer, 15_000);
      assert.ok(lowLayer(small), `in a small window, Bob gets a low layer of Alice, copied from her node: ${small} px`);
      const tile = bob.locator(`figure.tile.camera[data-participant-id="${aliceId}"]`);
      await tile.hover();
      await tile.locator('.tile-action.pin').click();
      const pinnedAt = Date.now();
      const top = await aliceOnBob((width) => width === 1280, 15_000);
      assert.equal(top, 1280, 'pinned, her tile gets the top layer');
      const upMs = Date.now() - pinnedAt;
      await tile.locator('.tile-action.pin').click();
      const again = await aliceOnBob(lowLayer, 15_000);
      assert.ok(lowLayer(again), `unpinned, a low layer again: ${again} px`);
      t.diagnostic(`Bob on the other node: Alice at ${small} px, 1280 px ${upMs} ms after pinning, ${again} px again after unpinning`);
    } finally {
      await bob.setViewportSize({ width: 1280, height: 720 });
    }
  });

  it('removes the copies on both nodes once the participants on one node have left', async (t) => {
    const admins = await Promise.all(janus.map((node) => JanusAdmin.connect(node.admin)));
    const [dan, eve] = await Promise.all([newPage(browser), newPage(browser)]);
    try {
      await joinMeeting(dan, viaApp1, 'Dan', 'beta');
      await joinMeeting(eve, viaApp2, 'Eve', 'beta');
      for (const page of [dan, eve]) await expectMediaFlowing(page);
      const [danId, eveId] = [await selfId(dan), await selfId(eve)];
      const [danNode, eveNode] = [await nodeOf('beta', danId), await nodeOf('beta', eveId)];
      assert.ok(danNode && eveNode && danNode !== eveNode, `Dan and Eve are on different nodes: ${danNode}, ${eveNode}`);
      const holdingsOn = (url: string): Promise<VideoRoomHoldings> => admins[janus.findIndex((node) => node.url === url)]!.videoRoomHoldings(janusRoomIdFor('beta'));
      const withBoth = await holdingsOn(danNode);
      assert.deepEqual(withBoth.participants.map((p) => p.display).sort(), [`${danId}:camera`, `${eveId}:camera`].sort(), 'Dan\'s node holds Dan and a copy of Eve');
      assert.equal(withBoth.remotes.length, 1, `Dan's camera is sent to Eve's node: ${JSON.stringify(withBoth.remotes)}`);

      await eve.close();
      const danSide = await waitFor(() => holdingsOn(danNode), (h) => h.participants.length === 1 && h.remotes.length === 0, 10_000);
      const eveSide = await waitFor(() => holdingsOn(eveNode), (h) => h.participants.length === 0, 10_000);
      t.diagnostic(`after Eve left: Dan's node ${JSON.stringify(danSide)}; Eve's node ${JSON.stringify(eveSide)}`);
      assert.deepEqual(danSide.participants.map((p) => p.display), [`${danId}:camera`], 'no copy of Eve is left on Dan\'s node');
      assert.deepEqual(danSide.remotes, [], 'Dan\'s camera is no longer sent to Eve\'s node');
      assert.deepEqual(danSide.forwarders, []);
      assert.deepEqual(eveSide, { participants: [], forwarders: [], remotes: [] }, 'nothing of the room is left on Eve\'s node');
    } finally {
      await dan.close();
      await eve.close();
      for (const admin of admins) admin.close();
    }
  });

  it('keeps the call going through a 3 s Redis outage while a page leaves and another joins, and no app server falls over', async (t) => {
    const carol = await newPage(browser);
    const dave = await newPage(browser);
    const joinStatuses: number[] = [];
    dave.on('response', (response) => {
      if (response.url().endsWith('/joinCall')) joinStatuses.push(response.status());
    });
    try {
      await joinMeeting(carol, viaApp2, 'Carol', 'alpha');
      await waitFor(async () => alice.locator('.tile:not(.self) .name').allTextContents(), (names) => names.includes('Carol'), 10_000);
      const logsBefore = apps.map((app) => app.logLines().length);

      await redis.stop();
      const stoppedAt = Date.now();
      await carol.close();
      const daveJoins = joinMeeting(dave, viaApp1, 'Dave', 'alpha');
      // Alice and Bob are watched the whole time Redis is down, and Redis comes back after 3 s whatever the checks are doing.
      let checks = 0;
      let outageOver = false;
      const watching = (async () => {
        while (!outageOver) {
          const decoding = await Promise.all([alice, bob].map((page) => decodesVideoWithin(page, 1_500)));
          assert.deepEqual(decoding, [true, true], 'Alice and Bob keep decoding while Redis is down');
          checks += 1;
        }
      })().then(
        () => undefined,
        (error: unknown) => error,
      );
      await new Promise((resolve) => setTimeout(resolve, 3_000 - (Date.now() - stoppedAt)));
      await redis.start();
      const backAt = Date.now();
      outageOver = true;
      const watchFailure = await watching;
      if (watchFailure) throw watchFailure;
      await daveJoins.catch(async (error: Error) => {
        const since = apps.map((app, index) => app.logLines().slice(logsBefore[index]).filter((line) => Number(line['level']) >= 40 || String(line['msg']).includes('request')));
        throw new Error(`${error.message}\n/joinCall answers: ${joinStatuses.join(', ')}; join error on the page: ${await dave.locator('#join-error').textContent()}\napp logs: ${JSON.stringify(since).slice(0, 6000)}`);
      });
      t.diagnostic(`Redis down ${backAt - stoppedAt} ms (${checks} decode checks of Alice and Bob during it); Dave in ${Date.now() - backAt} ms after it was back; /joinCall answers seen by Dave's page: ${joinStatuses.join(', ')}`);
      assert.ok(joinStatuses.every((status) => status === 200 || status === 503), `Dave is let in, or told to try again: ${joinStatuses.join(', ')}`);
      assert.ok(await decodesVideoWithin(dave, 15_000), 'Dave decodes the others');
      const seen = await waitFor(async () => (await alice.locator('.tile:not(.self) .name').allTextContents()).sort(), (names) => names.join() === 'Bob,Dave', 15_000);
      assert.deepEqual(seen, ['Bob', 'Dave'], 'Alice sees Carol gone and Dave in');
      for (const page of [alice, bob]) assert.ok(await decodesVideoWithin(page, 5_000), 'and the call goes on');

      for (const [index, app] of apps.entries()) {
        assert.ok(app.isRunning(), `app server ${index + 1} is up`);
        const lines = app.logLines().slice(logsBefore[index]);
        const unhandled = lines.filter((line) => line['msg'] === 'unhandled rejection');
        const emptyErrors = lines.filter((line) => Number(line['level']) >= 40 && 'err' in line && !errorText(line['err']));
        assert.deepEqual(unhandled, [], `app server ${index + 1} logged no unhandled rejection`);
        assert.deepEqual(emptyErrors, [], `app server ${index + 1} logged no error without its text`);
      }
    } finally {
      await carol.close();
      await dave.close();
    }
  });

  it('spreads twenty rooms over both nodes, no node holding more than 14', async (t) => {
    const sockets: WebSocket[] = [];
    try {
      for (let index = 0; index < 20; index += 1) {
        const joined = await fetch(`${roundRobin}/joinCall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `Guest ${index}`, room: `spread-${index}` }) });
        const { token } = (await joined.json()) as { token: string };
        const socket = new WebSocket(`${roundRobin.replace('http', 'ws')}/ws?token=${token}`);
        sockets.push(socket);
        await new Promise<void>((resolve, reject) => {
          socket.once('message', () => resolve());
          socket.once('error', reject);
        });
      }
      const rooms = Array.from({ length: 20 }, (_, index) => `spread-${index}`);
      const perNode = await waitFor(
        async () => Promise.all(janus.map(async (node) => (await Promise.all(rooms.map((room) => roomIsOn(node, room)))).filter(Boolean).length)),
        (counts) => counts.reduce((sum, count) => sum + count, 0) === 20,
        10_000,
      );
      assert.equal(perNode.reduce((sum, count) => sum + count, 0), 20, `every room is on a node: ${JSON.stringify(perNode)}`);
      for (const count of perNode) assert.ok(count <= 14, `no node holds more than 14 rooms: ${JSON.stringify(perNode)}`);
      t.diagnostic(`rooms per node: ${perNode.join(' / ')}`);
    } finally {
      for (const socket of sockets) socket.close(1000);
    }
  });

  it('moves Alice to app server 2 through the proxy when app server 1 is killed, and media flows again within 10 s', async (t) => {
    const killedAt = Date.now();
    await apps[0]!.kill();
    await alice.waitForSelector('#connection-state[data-state="connected"]', { timeout: 10_000 });
    const left = (): number => Math.max(0, 10_000 - (Date.now() - killedAt));
    assert.ok(await decodesVideoWithin(alice, left()), 'Alice decodes Bob again');
    assert.ok(await decodesVideoWithin(bob, left()), 'Bob decodes Alice again');
    assert.ok(Date.now() - killedAt <= 10_000, `within 10 s: ${Date.now() - killedAt} ms`);
    t.diagnostic(`both decode again ${Date.now() - killedAt} ms after the kill`);
    assert.equal(await bob.locator('.tile:not(.self)').count(), 1, 'Bob sees one Alice, not a ghost as well');
  });

  it('moves the rooms of a killed Janus node to the other node, and media flows again within 15 s', async (t) => {
    const survivor = janus[1]!;
    const killedAt = Date.now();
    process.kill(janus[0]!.pid!, 'SIGKILL');
    const ids = [await selfId(alice), await selfId(bob)];
    const placed = await waitFor(
      async () => Promise.all(ids.map((id) => nodeOf('alpha', id))),
      (nodes) => nodes.every((node) => node === survivor.url),
      15_000,
    );
    assert.deepEqual(placed, [survivor.url, survivor.url], 'both are now on the surviving node');
    const left = (): number => Math.max(0, 15_000 - (Date.now() - killedAt));
    assert.ok(await decodesVideoWithin(alice, left()), 'Alice decodes Bob again');
    assert.ok(await decodesVideoWithin(bob, left()), 'Bob decodes Alice again');
    assert.ok(Date.now() - killedAt <= 15_000, `within 15 s: ${Date.now() - killedAt} ms`);
    t.diagnostic(`both decode again ${Date.now() - killedAt} ms after the kill`);
  });

  it('loses nothing when Redis restarts empty, and a restarted app server serves the same meeting', async (t) => {
    await redis.restart();
    const ids = { Alice: await selfId(alice), Bob: await selfId(bob) };
    const joined = await fetch(`${apps[1]!.url}/joinCall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Lookup', room: 'alpha' }) });
    const { token } = (await joined.json()) as { token: string };
    const names = await waitFor(
      async () => Promise.all(Object.values(ids).map(async (id) => (await (await fetch(`${apps[1]!.url}/idLookup?id=${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { attendee?: string })),
      (replies) => replies.every((reply) => reply.attendee !== undefined),
      10_000,
    );
    assert.deepEqual(names, [{ attendee: 'Alice' }, { attendee: 'Bob' }], 'the app servers wrote the room back');

    const restartedAt = Date.now();
    apps[0] = await startAppServer('app1', appEnv, apps[0]!.port);
    t.diagnostic(`app server 1 ready again ${Date.now() - restartedAt} ms after starting it`);
    const carol = await newPage(browser);
    await joinMeeting(carol, viaApp1, 'Carol', 'alpha');
    const tiles = await waitFor(async () => carol.locator('.tile:not(.self) .name').allTextContents(), (names) => names.length === 2, 10_000);
    assert.deepEqual(tiles.sort(), ['Alice', 'Bob']);
    assert.ok(await decodesVideoWithin(carol, 15_000), 'Carol, on the restarted app server, decodes the others');
    await carol.close();
  });
});
