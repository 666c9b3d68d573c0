/**
 * A phone call's bridge taken down while it is still mixing a feed in:
 * a room's feeds reach a phone through AudioBridge inputs, and a call that
 * ends (or a feed that goes) while an input is still joining the mixer
 * must not leave Janus holding a freed participant (destroying the mixer
 * then crashes Janus 1.1.2). The bridges here talk to a real Janus without
 * a SIP call: only their Janus side is under test.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { pino } from 'pino';
import type { EmbeddedJanus } from '../../src/media/EmbeddedJanus.js';
import { JanusNode } from '../../src/media/JanusNode.js';
import { PhoneBridge } from '../../src/media/PhoneBridge.js';
import { feedKey, type LiveFeed, type OfferedFeed } from '../../src/media/MediaSession.js';
import * as videoroom from '../../src/media/janus/videoroom.js';
import { FailureLog } from '../../src/support/failures.js';
import { sleep } from '../../src/support/time.js';
import { JanusAdmin } from '../support/janusAdmin.js';
import { LogCapture } from '../support/logCapture.js';
import { startTestJanus } from '../support/testJanus.js';

const JANUS_ROOM = 424_242;
const ROUNDS = 60;
const PHONE_RTP = { ip: '127.0.0.1', port: 9 };

describe('phone bridges closed while they mix feeds in', () => {
  let janus: EmbeddedJanus;
  let runDir: string;
  let node: JanusNode;
  let admin: JanusAdmin;
  const log = new LogCapture();
  const failures = new FailureLog(pino({ level: 'warn' }, log), () => undefined);

  before(async () => {
    ({ janus, runDir } = await startTestJanus('46000-46999'));
    node = new JanusNode(janus.url, janus.apiSecret, pino({ level: 'silent' }));
    await node.start();
    admin = await JanusAdmin.connect(janus.admin);
    await videoroom.createRoom(await node.controlHandle(), { room: JANUS_ROOM, description: 'churn', maxPublishers: 50, bitrateBps: 1_000_000 });
  });

  after(async () => {
    admin?.close();
    node?.stop();
    await janus?.stop();
    await rm(runDir, { recursive: true, force: true });
  });

  it(`takes ${ROUNDS} bridges down mid-mix, and Janus keeps running with nothing left behind`, async (t) => {
    const pid = janus.pid;
    const before = await admin.holdings();
    // The feed every bridge mixes in: another phone's, published into the VideoRoom.
    const source = await PhoneBridge.create(node, JANUS_ROOM, 'source phone', 'pcmu', failures);
    const live = new Promise<LiveFeed>((resolve) => source.once('feedLive', resolve));
    await source.publish();
    const { feedId, audioMid } = await live;
    const feed: OfferedFeed = { key: feedKey('source', 'camera'), publisherId: 'source', feed: 'camera', feedId, audioMid, streams: [], video: undefined };

    const mixers: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const bridge = await PhoneBridge.create(node, JANUS_ROOM, `phone ${round}`, 'pcmu', failures);
      mixers.push(bridge.mixRoom);
      await bridge.connectPhone(PHONE_RTP, 'pcmu');
      bridge.receive(feed);
      // The moment of the end sweeps across the input's setup (attach, join, forwarder): 0 to 4.5 ms after the feed came.
      await sleep((round % 10) / 2);
      // Every other round the feed goes first; then the call ends.
      if (round % 2 === 1) bridge.release(feed.key);
      await bridge.close();
    }
    await source.close();

    assert.equal(janus.pid, pid, 'Janus never restarted (it crashes on a mixer destroyed with a half-joined input)');
    for (const mixer of mixers) assert.equal(await admin.audioBridgeExists(mixer), false, `mixer ${mixer} is destroyed`);
    assert.deepEqual(await admin.holdings(), before, 'no session or handle is left');
    assert.deepEqual(log.lines, [], 'no failure was reported');
    t.diagnostic(`${ROUNDS} bridges closed mid-mix; Janus pid ${pid} throughout`);
  });
});
