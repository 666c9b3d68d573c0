/**
 * A bounded load test on loopback: 200 clients without browsers keep
 * joining and leaving 50 rooms for 60 s (half of them publishing a camera
 * offer each visit), after 5 s of the same as a warm-up. The server must answer all of it without an error, and
 * afterwards hold nothing more than before: no rooms, no Janus sessions,
 * handles or VideoRooms, and its heap back within 10% of where it started.
 *
 * LOAD_DURATION_S shortens the run while working on it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server/startServer.js';
import { mediaInterface } from '../support/testServer.js';
import { JanusAdmin, type JanusHoldings } from '../support/janusAdmin.js';
import { newTally, visitRoom } from '../support/loadClient.js';
import { waitFor } from '../support/meetingPage.js';

const CLIENTS = 200;
const ROOMS = 50;
const DURATION_MS = Number(process.env['LOAD_DURATION_S'] ?? 60) * 1000;
const VISIT_TIMEOUT_MS = 20_000;
const WARM_UP_MS = 5_000;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * Heap in use after full collections, in MiB. Idle keep-alive connections of
 * /joinCall are closed first, and their sockets gone: they belong to the
 * clients, not to any meeting. Called with every client gone, so no other
 * connection is left.
 */
async function settledHeapMiB(server: RunningServer): Promise<number> {
  server.app.server.closeIdleConnections();
  const connections = () => new Promise<number>((resolve, reject) => server.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
  const open = await waitFor(connections, (count) => count === 0, 5_000, 20);
  assert.equal(open, 0, 'every client connection has closed');
  for (let i = 0; i < 3; i += 1) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** What the server logs, reduced to what the test checks: its errors, and the VideoRooms it created. */
class LogWatch extends Writable {
  readonly errors: string[] = [];
  readonly warnings = new Map<string, number>();
  readonly createdRooms = new Set<number>();
  readonly destroyedRooms = new Set<number>();

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      const entry = JSON.parse(line) as { level: number; msg: string; janusRoom?: number };
      if (entry.level >= 50) this.errors.push(line);
      else if (entry.level === 40) this.warnings.set(entry.msg, (this.warnings.get(entry.msg) ?? 0) + 1);
      if (entry.msg === 'created VideoRoom' && entry.janusRoom !== undefined) this.createdRooms.add(entry.janusRoom);
      if (entry.msg === 'destroyed VideoRoom' && entry.janusRoom !== undefined) this.destroyedRooms.add(entry.janusRoom);
    }
    done();
  }
}

describe(`load: ${CLIENTS} clients joining and leaving ${ROOMS} rooms`, () => {
  let runDir: string;
  let server: RunningServer;
  let admin: JanusAdmin;
  const log = new LogWatch();

  before(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'convene-load-'));
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      RUN_DIR: runDir,
      LOG_LEVEL: 'info',
      JANUS_ICE_ENFORCE_LIST: mediaInterface,
      JANUS_RTP_PORT_RANGE: '40000-40999',
      JANUS_DEBUG_LEVEL: '3',
      // Every client comes from 127.0.0.1 and revisits the same rooms: the limits are tested in rateLimits.test.ts.
      RATE_LIMIT_JOIN_PER_MIN: '1000000',
      RATE_LIMIT_WS_MSG_PER_S: '1000000',
      RATE_LIMIT_WS_BURST: '1000000',
    });
    server = await startServer(config, pino({ level: 'info' }, log));
    admin = await JanusAdmin.connect(server.embeddedJanus!.admin);
  });

  after(async () => {
    admin?.close();
    await server?.close();
    await rm(runDir, { recursive: true, force: true });
  });

  it('answers every join, publish and leave without an error, then holds nothing more than before', async () => {
    const tally = newTally();
    const visit = (client: number, stayMs: number) =>
      visitRoom({ baseUrl: server.url, room: `load-${client % ROOMS}`, name: `Client ${client}`, publish: client % 2 === 0, stayMs, timeoutMs: VISIT_TIMEOUT_MS }, tally);

    /** Every client visits rooms over and over until `endAt`; returns the most rooms open at once. */
    const runLoad = async (endAt: number): Promise<number> => {
      let peakRooms = 0;
      const sampler = setInterval(() => (peakRooms = Math.max(peakRooms, server.rooms.count)), 250);
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, client) => {
          while (Date.now() < endAt) await visit(client, 500 + Math.random() * 2_500);
        }),
      );
      clearInterval(sampler);
      return peakRooms;
    };

    // The same load for a few seconds first: what the server builds once (compiled code, Janus's control
    // handle, pools) is part of its start; what it keeps per meeting must not outlast the meetings.
    const coldHeap = await settledHeapMiB(server);
    await runLoad(Date.now() + WARM_UP_MS);
    await waitFor(async () => server.rooms.count, (count) => count === 0, 15_000);
    const heapBefore = await settledHeapMiB(server);
    const holdingsBefore: JanusHoldings = await admin.holdings();
    const warmUpVisits = tally.joins;

    const peakRooms = await runLoad(Date.now() + DURATION_MS);

    const rooms = await waitFor(async () => server.rooms.count, (count) => count === 0, 15_000);
    const holdingsAfter = await waitFor(() => admin.holdings(), (h) => h.sessions === holdingsBefore.sessions && h.handles === holdingsBefore.handles, 15_000);
    const leftoverRooms: number[] = [];
    for (const room of log.createdRooms) if (await admin.videoRoomExists(room)) leftoverRooms.push(room);
    const heapAfter = await settledHeapMiB(server);

    const summary = {
      seconds: DURATION_MS / 1000,
      warmUpVisits,
      joins: tally.joins - warmUpVisits,
      welcomes: tally.welcomes,
      publishes: tally.publishes,
      publishAnswers: tally.publishAnswers,
      leaves: tally.leaves,
      peakRooms,
      videoRoomsCreated: log.createdRooms.size,
      janusBefore: holdingsBefore,
      janusAfter: holdingsAfter,
      heapMiB: { cold: Number(coldHeap.toFixed(1)), before: Number(heapBefore.toFixed(1)), after: Number(heapAfter.toFixed(1)) },
      rssMiB: Number((process.memoryUsage().rss / 2 ** 20).toFixed(1)),
      warnings: Object.fromEntries(log.warnings),
    };
    console.log(`load summary ${JSON.stringify(summary)}`);

    assert.deepEqual(Object.fromEntries(tally.problems), {}, 'no failed join, error message, unexpected close or timeout');
    assert.deepEqual(log.errors, [], 'no error logged by the server or its Janus');
    assert.ok(tally.welcomes >= CLIENTS, `every client got in at least once (${tally.welcomes} welcomes)`);
    assert.equal(tally.welcomes, tally.joins, 'every join was welcomed');
    assert.equal(tally.publishAnswers, tally.publishes, 'every publish was answered');
    assert.equal(rooms, 0, 'no room is left on the server');
    assert.deepEqual(holdingsAfter, holdingsBefore, 'Janus holds the same sessions and handles as before');
    assert.deepEqual(leftoverRooms, [], 'every VideoRoom created was destroyed');
    assert.ok(heapAfter <= heapBefore * 1.1, `heap back within 10% of the start: ${heapBefore.toFixed(1)} → ${heapAfter.toFixed(1)} MiB`);
  });
});
