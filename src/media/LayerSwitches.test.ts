import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { LayerSwitches } from './LayerSwitches.js';

/** Moves the mocked clock on in steps, so timers set by timers fire too. */
function advance(ms: number, step = 50): void {
  for (let done = 0; done < ms; done += step) mock.timers.tick(step);
}

describe('LayerSwitches', () => {
  it('configures a switch again until Janus makes it, then stops', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const again: string[] = [];
      const switches = new LayerSwitches((mid) => again.push(mid), { retryMs: 100, maxRetries: 5 });
      switches.expect('v1', 2);
      mock.timers.tick(99);
      assert.deepEqual(again, [], 'not before its time');
      mock.timers.tick(1);
      assert.deepEqual(again, ['v1']);
      switches.reached('v1', 1);
      advance(100);
      assert.deepEqual(again, ['v1', 'v1'], 'another substream is not the one asked for');
      switches.reached('v1', 2);
      advance(1_000);
      assert.deepEqual(again, ['v1', 'v1'], 'made: no more');
    } finally {
      mock.timers.reset();
    }
  });

  it('gives up after its retries, and forgets everything on clear', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const again: string[] = [];
      const switches = new LayerSwitches((mid) => again.push(mid), { retryMs: 100, maxRetries: 3 });
      switches.expect('v1', 2);
      advance(1_000);
      assert.deepEqual(again, ['v1', 'v1', 'v1']);
      switches.expect('v2', 0);
      switches.expect('v3', 0);
      switches.clear();
      advance(1_000);
      assert.deepEqual(again, ['v1', 'v1', 'v1']);
    } finally {
      mock.timers.reset();
    }
  });
});
