import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maskedCaller } from './maskedCaller.js';

describe('maskedCaller', () => {
  it('shows only the last four digits of the caller', () => {
    assert.equal(maskedCaller('+15551234567'), 'Phone ···4567');
  });

  it('hides short or missing numbers entirely', () => {
    assert.equal(maskedCaller('1234'), 'Phone');
    assert.equal(maskedCaller(''), 'Phone');
  });
});
