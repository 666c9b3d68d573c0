/**
 * How long a pong can have waited for a busy page: only the busy run that
 * ends as it is handled, never the busy moments before an idle one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { heldByPage } from '../../src/client/session/heldByPage.js';

describe('the time a pong waited for the page', () => {
  it('is the busy run that ends as the pong is handled, spells a few milliseconds apart joined', () => {
    const spells = [
      { from: 1_000, to: 1_100 },
      { from: 1_105, to: 1_300 },
      { from: 1_300, to: 1_400 },
    ];
    assert.equal(heldByPage(spells, 1_402, 0), 402);
  });

  it('leaves out busy spells before an idle moment, however long the pong took', () => {
    // A pong pinged at 0 and handled at 2 000 (a queue of seconds), the page busy 900 ms of that before an idle moment.
    const spells = [
      { from: 100, to: 1_000 },
      { from: 1_950, to: 1_998 },
    ];
    assert.equal(heldByPage(spells, 2_000, 0), 50);
    assert.equal(heldByPage(spells, 1_500, 0), 0, 'handled after an idle moment: it did not wait for the page');
  });

  it('counts nothing from before the ping, nor spells that start after the pong was handled', () => {
    assert.equal(heldByPage([{ from: 0, to: 500 }], 500, 300), 200);
    assert.equal(heldByPage([{ from: 600, to: 700 }], 500, 0), 0);
    assert.equal(heldByPage([], 500, 0), 0);
  });
});
