/** The SIP trace log keeps each message but not its digest credentials. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withoutCredentials } from './SipEndpoint.js';

const DIGEST = 'Digest username="trunkuser", realm="sip-lab", nonce="abc", uri="sip:+15550001000@127.0.0.1", response="0123456789abcdef0123456789abcdef"';

describe('withoutCredentials', () => {
  it('redacts Authorization and Proxy-Authorization values, in any case, folded lines included', () => {
    const invite = [
      'INVITE sip:+15550001000@127.0.0.1:5060 SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1',
      `Proxy-Authorization: ${DIGEST}`,
      `authorization:${DIGEST.slice(0, 40)}`,
      '  , response="fedcba9876543210"',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    assert.equal(
      withoutCredentials(invite),
      [
        'INVITE sip:+15550001000@127.0.0.1:5060 SIP/2.0',
        'Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1',
        'Proxy-Authorization: [redacted]',
        'authorization: [redacted]',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  });

  it('leaves a challenge and the rest of a message as they are', () => {
    const challenge = 'SIP/2.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Digest realm="sip-lab", nonce="abc"\r\n\r\n';
    assert.equal(withoutCredentials(challenge), challenge);
  });
});
