import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DialPolicy, invalidDialPatterns } from './dialPolicy.js';
import { failureOf } from './callOutcome.js';

describe('dial policy', () => {
  it('allows exact numbers and prefixes, nothing else', () => {
    const policy = new DialPolicy(['+15550001000', '+4930*']);
    assert.equal(policy.allows('+15550001000'), true);
    assert.equal(policy.allows('+493012345'), true);
    assert.equal(policy.allows('+15550001001'), false);
    assert.equal(policy.allows('+44207123456'), false);
  });

  it('refuses anything that is not E.164, even under a catch-all', () => {
    const policy = new DialPolicy(['*']);
    assert.equal(policy.allows('+15551234567'), true);
    for (const bad of ['15551234567', '+0555', '+1555123456789012', 'sip:evil@example.com', '+1555;user=phone', '']) {
      assert.equal(policy.allows(bad), false, bad);
    }
  });

  it('allows nothing when nothing is configured', () => {
    assert.equal(new DialPolicy([]).allows('+15551234567'), false);
  });

  it('names the configured patterns that are neither numbers nor prefixes', () => {
    assert.deepEqual(invalidDialPatterns(['+15550001000', '+1555*', '*', '555-1234', '+1*5']), ['555-1234', '+1*5']);
  });
});

describe('call failure reasons', () => {
  it('maps SIP final responses to what the page shows', () => {
    assert.equal(failureOf(486, true), 'busy');
    assert.equal(failureOf(600, true), 'busy');
    assert.equal(failureOf(603, true), 'rejected');
    assert.equal(failureOf(404, true), 'rejected');
    assert.equal(failureOf(480, true), 'no answer');
    assert.equal(failureOf(487, true), 'no answer');
    assert.equal(failureOf(407, true), 'auth failed');
    assert.equal(failureOf(403, true), 'auth failed');
    assert.equal(failureOf(403, false), 'rejected');
    assert.equal(failureOf(503, false), 'unreachable');
  });
});
