/** The page's downlink adaptation: down after bad seconds, back up after clean ones, slower to climb after a seesaw. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DownlinkMonitor } from '../../src/client/media/DownlinkMonitor.js';
import type { InboundSample } from '../../src/client/media/ReceiveStats.js';
import type { DownlinkQuality } from '../../src/client/view/ViewReporter.js';

/** Feeds the monitor one second at a time: `lossShare` of the second's packets lost, `freeze` whether a frame froze. */
function driver(monitor: DownlinkMonitor): (seconds: number, lossShare: number, freeze?: boolean) => void {
  let at = 0;
  let received = 0;
  let lost = 0;
  let freezes = 0;
  const sample = (): InboundSample[] => [{ mid: '1', kind: 'video', audioLevel: 0, packetsReceived: received, packetsLost: lost, framesDecoded: 0, freezeCount: freezes, frameHeight: 0 }];
  monitor.update(sample(), at);
  return (seconds, lossShare, freeze = false) => {
    for (let second = 0; second < seconds; second++) {
      lost += Math.round(100 * lossShare);
      received += 100 - Math.round(100 * lossShare);
      if (freeze) freezes += 1;
      at += 1_000;
      monitor.update(sample(), at);
    }
  };
}

describe('DownlinkMonitor', () => {
  it('steps every tile down after two bad seconds, to quarter size and then fewer frames', () => {
    const seen: DownlinkQuality[] = [];
    const seconds = driver(new DownlinkMonitor((quality) => seen.push(quality)));
    seconds(1, 0.1);
    assert.deepEqual(seen, [], 'one bad second is not enough');
    seconds(1, 0.1);
    assert.deepEqual(seen, [{ scale: 0.5, lowFrameRate: false }]);
    seconds(6, 0, true);
    assert.deepEqual(seen.at(-1), { scale: 0.25, lowFrameRate: true }, 'frozen frames count as bad too');
  });

  it('climbs back one step after six clean seconds, and waits longer when the climb fails at once', () => {
    const seen: DownlinkQuality[] = [];
    const seconds = driver(new DownlinkMonitor((quality) => seen.push(quality)));
    seconds(2, 0.2);
    seconds(5, 0);
    assert.equal(seen.length, 1, 'five clean seconds are not enough');
    seconds(1, 0);
    assert.deepEqual(seen.at(-1), { scale: 1, lowFrameRate: false });
    seconds(2, 0.2);
    assert.deepEqual(seen.at(-1), { scale: 0.5, lowFrameRate: false }, 'the climb failed');
    seconds(11, 0);
    assert.equal(seen.length, 3, 'after a seesaw, six clean seconds are no longer enough');
    seconds(1, 0);
    assert.deepEqual(seen.at(-1), { scale: 1, lowFrameRate: false });
  });
});
