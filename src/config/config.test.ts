import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.js';

describe('the configuration', () => {
  it('reads the trunk’s sources and the dial-in RTP ports', () => {
    const config = loadConfig({ SIP_TRUNK_SOURCES: '203.0.113.0/24, 198.51.100.7', SIP_RTP_PORT_RANGE: '30000-30999' });
    assert.deepEqual(config.sipTrunkSources, ['203.0.113.0/24', '198.51.100.7']);
    assert.equal(config.SIP_RTP_PORT_RANGE, '30000-30999');
    assert.deepEqual(loadConfig({}).sipTrunkSources, []);
    assert.equal(loadConfig({}).SIP_RTP_PORT_RANGE, undefined);
  });

  it('names a trunk source that is no address or range, and a port range upside down or out of bounds', () => {
    assert.throws(() => loadConfig({ SIP_TRUNK_SOURCES: 'sip.example.com,10.0.0.0/8' }), /SIP_TRUNK_SOURCES takes addresses or CIDR ranges .*; not sip\.example\.com$/);
    assert.throws(() => loadConfig({ SIP_RTP_PORT_RANGE: '30999-30000' }), /SIP_RTP_PORT_RANGE must run from a lower port to a higher one/);
    assert.throws(() => loadConfig({ JANUS_RTP_PORT_RANGE: '80-90' }), /JANUS_RTP_PORT_RANGE must run .* within 1024-65535 \(not 80-90\)/);
    assert.throws(() => loadConfig({ SIP_RTP_PORT_RANGE: '30000' }), /SIP_RTP_PORT_RANGE: must look like 20000-40000/);
  });
});
