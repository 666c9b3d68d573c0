import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DialInAttempts } from './DialInAttempts.js';

describe('DialInAttempts', () => {
  it('refuses a number once it used up its wrong PINs, until the hour is over', () => {
    let now = 0;
    const attempts = new DialInAttempts(3, () => now);
    assert.equal(attempts.recordFailure('+4930123'), true);
    assert.equal(attempts.recordFailure('+4930123'), true);
    assert.equal(attempts.allows('+4930123'), true);
    assert.equal(attempts.recordFailure('+4930123'), false);
    assert.equal(attempts.allows('+4930123'), false);
    assert.equal(attempts.allows('+4930999'), true, 'another number keeps its budget');
    now += 60 * 60_000;
    assert.equal(attempts.allows('+4930123'), true);
  });

  it('gives callers without a number one shared budget', () => {
    const attempts = new DialInAttempts(1);
    attempts.recordFailure('');
    assert.equal(attempts.allows(''), false);
  });
});
