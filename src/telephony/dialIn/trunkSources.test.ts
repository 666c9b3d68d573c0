import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invalidTrunkSources, trunkSources } from './trunkSources.js';

describe('trunk sources', () => {
  it('takes only the trunk’s own address when none are set', () => {
    const allows = trunkSources([], '192.0.2.10');
    assert.equal(allows('192.0.2.10'), true);
    assert.equal(allows('192.0.2.11'), false);
  });

  it('takes the addresses and CIDR ranges set, and then not the trunk’s own unless listed', () => {
    const allows = trunkSources(['203.0.113.0/24', '198.51.100.7', '2001:db8::/32'], '192.0.2.10');
    assert.equal(allows('203.0.113.200'), true);
    assert.equal(allows('203.0.114.1'), false);
    assert.equal(allows('198.51.100.7'), true);
    assert.equal(allows('198.51.100.8'), false);
    assert.equal(allows('2001:db8:1::5'), true);
    assert.equal(allows('2001:db9::5'), false);
    assert.equal(allows('192.0.2.10'), false);
    assert.equal(allows('not an address'), false);
  });

  it('names the entries that are neither an address nor a range', () => {
    assert.deepEqual(invalidTrunkSources(['203.0.113.0/24', 'sip.example.com', '10.0.0.1/33', '10.0.0.1/8/2', '2001:db8::/129', '::1']), ['sip.example.com', '10.0.0.1/33', '10.0.0.1/8/2', '2001:db8::/129']);
  });
});
