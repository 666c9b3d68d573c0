/**
 * The page's downlink adaptation: down at once on a queue, after bad
 * half-seconds on loss; back up a tile at a time after clean spells, slower
 * after a seesaw.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DownlinkMonitor } from '../../src/client/media/DownlinkMonitor.js';
import type { InboundSample } from '../../src/client/media/ReceiveStats.js';
import type { DownlinkQuality, LayerLadder } from '../../src/client/view/ViewReporter.js';

const TICK_MS = 100;
const TILES = 3;

interface Conditions {
  lossShare?: number;
  freeze?: boolean;
  /** How long pongs take on their way down, or that as it changes over the run. */
  delayMs?: number | ((elapsedMs: number) => number);
}

/** Feeds the monitor as the page does, three video tiles: stats and a pong every 100 ms, under the given conditions for `ms`. */
function driver(monitor: DownlinkMonitor): (ms: number, conditions?: Conditions) => void {
  let at = 0;
  let received = 0;
  let lost = 0;
  let freezes = 0;
  const samples = (): InboundSample[] =>
    Array.from({ length: TILES }, (_, tile) => ({ mid: String(tile), kind: 'video', packetsReceived: received, packetsLost: lost, bytesReceived: 0, framesDecoded: 0, freezeCount: freezes, frameHeight: 0 }));
  monitor.update(samples(), at);
  return (ms, { lossShare = 0, freeze = false, delayMs = 5 } = {}) => {
    for (let elapsed = 0; elapsed < ms; elapsed += TICK_MS) {
      lost += Math.round(25 * lossShare);
      received += 25 - Math.round(25 * lossShare);
      if (freeze) freezes += 1;
      at += TICK_MS;
      monitor.downlinkDelay(typeof delayMs === 'number' ? delayMs : delayMs(elapsed), at);
      monitor.update(samples(), at);
    }
  };
}

/** A quality in short: layers below what the tiles need, "low" for fewer frames, "+n" tiles a layer better. */
function short({ lower, lowFrameRate, promoted }: DownlinkQuality): string {
  return `${lower}${lowFrameRate ? ' low' : ''}${promoted > 0 ? ` +${promoted}` : ''}`;
}

/** Three tiles that each need the top layer, so each can go two layers lower. */
const LADDER: LayerLadder = { depth: 2, climbable: () => TILES };

describe('DownlinkMonitor', () => {
  it('takes a layer at once when the pongs queue, before anything is lost; another only if the queue does not drain', () => {
    const seen: string[] = [];
    const run = driver(new DownlinkMonitor((quality) => seen.push(short(quality)), () => LADDER));
    run(5_000);
    assert.deepEqual(seen, [], 'a clean link stays where it is');
    run(1_000, { delayMs: 250 });
    assert.deepEqual(seen, ['1'], 'within a second of the queue forming');
    run(1_500, { delayMs: (elapsed) => Math.max(5, 250 - elapsed / 5) });
    assert.deepEqual(seen, ['1'], 'while the queue drains, it waits');
    run(1_000, { delayMs: 300 });
    assert.deepEqual(seen, ['1', '2'], 'a queue that grows again takes another layer');
  });

  it('steps down after two lossy half-seconds, at once on heavy loss, and counts frozen frames as bad only with loss', () => {
    const seen: string[] = [];
    const run = driver(new DownlinkMonitor((quality) => seen.push(short(quality)), () => LADDER));
    run(500, { lossShare: 0.06 });
    assert.deepEqual(seen, [], 'one lossy half-second is not enough');
    run(500, { lossShare: 0.06 });
    assert.deepEqual(seen, ['1']);
    run(2_000);
    run(500, { lossShare: 0.2 });
    assert.deepEqual(seen.at(-1), '2', 'heavy loss');
    run(2_000);
    run(1_000, { freeze: true });
    assert.deepEqual(seen.at(-1), '2', 'frozen frames without loss: the page decoding slowly, not the network');
    run(1_000, { freeze: true, lossShare: 0.02 });
    assert.deepEqual(seen.at(-1), '2 low', 'frozen frames with some loss');
  });

  it('climbs back a tile at a time: the first after four clean seconds, the next ones a second apart', () => {
    const seen: string[] = [];
    const run = driver(new DownlinkMonitor((quality) => seen.push(short(quality)), () => LADDER));
    run(500, { lossShare: 0.2 });
    assert.deepEqual(seen, ['1']);
    run(3_000);
    assert.deepEqual(seen, ['1'], 'not yet');
    run(1_000);
    assert.deepEqual(seen, ['1', '1 +1']);
    run(1_000);
    assert.deepEqual(seen, ['1', '1 +1', '1 +2']);
    run(1_000);
    assert.deepEqual(seen, ['1', '1 +1', '1 +2', '0'], 'the third tile completes the step');
  });

  it('takes half the frames only at the bottom, gives them back first, for every tile at once, then climbs on through the steps', () => {
    const seen: string[] = [];
    const run = driver(new DownlinkMonitor((quality) => seen.push(short(quality)), () => LADDER));
    run(1_000);
    for (let step = 0; step < 4; step++) run(2_500, { delayMs: 300 });
    assert.deepEqual(seen, ['1', '2', '2 low'], 'the bottom step: no lower layer, half the frames');
    seen.length = 0;
    run(5_000);
    assert.deepEqual(seen, ['2'], 'four clean seconds after the queue drained, the frame rate comes back for every tile at once');
    run(4_000);
    assert.deepEqual(seen, ['2', '2 +1', '2 +2', '1', '1 +1'], 'then a tile every second, step after step');
  });

  it('undoes a failing climb’s tiles first, and waits longer before the next try', () => {
    const seen: string[] = [];
    const run = driver(new DownlinkMonitor((quality) => seen.push(short(quality)), () => LADDER));
    run(500, { lossShare: 0.2 });
    run(4_000);
    assert.deepEqual(seen, ['1', '1 +1']);
    run(1_000, { delayMs: 300 });
    assert.deepEqual(seen, ['1', '1 +1', '1'], 'the promoted tile goes back, the others stay');
    run(5_000);
    assert.equal(seen.length, 3, 'after a seesaw, four clean seconds are no longer enough');
    run(1_000);
    assert.deepEqual(seen.at(-1), '1 +1');
  });
});
