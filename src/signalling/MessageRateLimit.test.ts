/** The per-connection message budget: a burst, a steady rate, and cutting off pages that keep flooding. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageRateLimit, TokenBucket } from './MessageRateLimit.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('TokenBucket', () => {
  it('gives a full burst, then refills at its rate up to its capacity', () => {
    const time = clock();
    const bucket = new TokenBucket(10, 3, time.now);
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
    time.advance(100);
    assert.deepEqual([bucket.take(), bucket.take()], [true, false], 'one token per 100 ms at 10/s');
    time.advance(60_000);
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false], 'never more than the capacity');
  });
});

describe('MessageRateLimit', () => {
  it('accepts the burst, refuses what follows, and cuts off a page that keeps going', () => {
    const time = clock();
    const limit = new MessageRateLimit({ perSecond: 5, burst: 10 }, time.now);
    const verdicts = Array.from({ length: 40 }, () => limit.check());
    assert.deepEqual(verdicts.slice(0, 10), Array(10).fill('accept'));
    assert.deepEqual(verdicts.slice(10, 30), Array(20).fill('refuse'));
    assert.equal(verdicts[30], 'cut off');
  });

  it('forgives a page that slows down after a few refusals', () => {
    const time = clock();
    const limit = new MessageRateLimit({ perSecond: 5, burst: 5 }, time.now);
    for (let round = 0; round < 10; round++) {
      const verdicts = Array.from({ length: 8 }, () => limit.check());
      assert.ok(!verdicts.includes('cut off'), `round ${round}: ${verdicts.join(', ')}`);
      time.advance(5_000);
    }
  });
});
