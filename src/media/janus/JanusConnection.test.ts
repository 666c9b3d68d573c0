/**
 * The Janus client against a real embedded Janus: sessions, handles,
 * VideoRoom requests and Janus's own refusals. One edge case (a Janus that
 * never answers) uses a stand-in WebSocket server, since a real Janus
 * cannot be made to stay silent on demand.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { WebSocketServer } from 'ws';
import { pino } from 'pino';
import { startTestJanus } from '../../../test/support/testJanus.js';
import type { EmbeddedJanus } from '../EmbeddedJanus.js';
import { JanusConnection } from './JanusConnection.js';
import { JanusCode, JanusError } from './janusErrors.js';
import * as videoroom from './videoroom.js';

const logger = pino({ level: 'silent' });

describe('JanusConnection against a real Janus', () => {
  let runDir: string;
  let janus: EmbeddedJanus;
  let connection: JanusConnection;

  before(async () => {
    ({ janus, runDir } = await startTestJanus('41000-41100'));
    connection = await JanusConnection.connect({ url: janus.url, apiSecret: janus.apiSecret, logger });
  });

  after(async () => {
    connection?.close();
    await janus?.stop();
    await rm(runDir, { recursive: true, force: true });
  });

  it('reads server info with the plugins we enabled', async () => {
    const info = await connection.info();
    assert.equal(info.version_string, '1.1.2');
    assert.ok('janus.plugin.videoroom' in info.plugins);
    assert.ok(!('janus.plugin.echotest' in info.plugins), 'unused plugins stay unloaded');
  });

  it('is refused without the API secret', async () => {
    const anonymous = await JanusConnection.connect({ url: janus.url, logger });
    try {
      await assert.rejects(anonymous.createSession(), (error: JanusError) => error.failure === 'refused' && error.code === 403);
    } finally {
      anonymous.close();
    }
  });

  it('creates, finds and destroys a VideoRoom, and joins it as a publisher', async () => {
    const session = await connection.createSession();
    const handle = await session.attach(videoroom.VIDEOROOM_PLUGIN);
    const room = 424242;
    await videoroom.createRoom(handle, { room, description: 'unit', maxPublishers: 4, bitrateBps: 256_000 });
    assert.equal(await videoroom.roomExists(handle, room), true);

    const publisherHandle = await session.attach(videoroom.VIDEOROOM_PLUGIN);
    const { feedId } = await videoroom.joinAsPublisher(publisherHandle, room, 'someone:camera');
    const participants = await videoroom.listParticipants(handle, room);
    assert.deepEqual(participants.map((p) => [p.id, p.display]), [[feedId, 'someone:camera']]);

    await videoroom.destroyRoom(handle, room);
    assert.equal(await videoroom.roomExists(handle, room), false);
    await session.destroy();
    assert.equal(session.isClosed, true);
    assert.equal(handle.isClosed, true, 'destroying a session closes its handles');
  });

  it('turns a plugin refusal into a JanusError with the plugin code', async () => {
    const session = await connection.createSession();
    const handle = await session.attach(videoroom.VIDEOROOM_PLUGIN);
    await assert.rejects(videoroom.destroyRoom(handle, 999_999_999), (error: JanusError) => error.is(JanusCode.videoRoomNoSuchRoom));
    await assert.rejects(videoroom.joinAsPublisher(handle, 999_999_999, 'nobody'), (error: JanusError) => error.is(JanusCode.videoRoomNoSuchRoom));
    await session.destroy();
  });

  it('turns a core refusal (unknown session) into a JanusError', async () => {
    await assert.rejects(
      connection.request({ janus: 'attach', session_id: 12345, plugin: videoroom.VIDEOROOM_PLUGIN }),
      (error: JanusError) => error.is(JanusCode.sessionNotFound),
    );
  });

  it('delivers asynchronous plugin events to the handle', async () => {
    const session = await connection.createSession();
    const control = await session.attach(videoroom.VIDEOROOM_PLUGIN);
    const room = 515151;
    await videoroom.createRoom(control, { room, description: 'events', maxPublishers: 4, bitrateBps: 256_000 });
    const first = await session.attach(videoroom.VIDEOROOM_PLUGIN);
    await videoroom.joinAsPublisher(first, room, 'first:camera');
    const events: Array<Record<string, unknown>> = [];
    first.on('event', (event) => event.kind === 'plugin' && events.push(event.reply.data));
    await videoroom.destroyRoom(control, room);
    const deadline = Date.now() + 3_000;
    while (!events.some((data) => data['videoroom'] === 'destroyed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(events.some((data) => data['videoroom'] === 'destroyed'), `expected a 'destroyed' event, got ${JSON.stringify(events)}`);
    await session.destroy();
  });
});

describe('JanusConnection when Janus stays silent (stand-in server)', () => {
  it('rejects a request after its timeout, and every pending one when the socket closes', async () => {
    const silent = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'janus-protocol' });
    await new Promise((resolve) => silent.once('listening', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const connection = await JanusConnection.connect({ url: `ws://127.0.0.1:${port}`, logger, requestTimeoutMs: 200 });
      await assert.rejects(connection.info(), (error: JanusError) => error.failure === 'timeout');
      const pending = connection.createSession();
      for (const client of silent.clients) client.terminate();
      await assert.rejects(pending, (error: JanusError) => error.failure === 'disconnected');
      assert.equal(connection.isOpen, false);
    } finally {
      silent.close();
    }
  });
});
