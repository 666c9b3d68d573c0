/** What pages are told about ICE: configured servers, their own TURN credential, and the transport policy. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../config/config.js';
import { turnCredential } from '../auth/turnCredentials.js';
import { browserIce } from './browserIce.js';

const SECRET = 'a-shared-secret-of-coturn';

describe('TURN credentials', () => {
  it('follow the TURN REST API scheme coturn checks: expiry:participant, base64 HMAC-SHA1', () => {
    // The expected password is `printf '1700000000:participant-1' | openssl dgst -sha1 -hmac <secret> -binary | base64`.
    assert.deepEqual(turnCredential(SECRET, 'participant-1', 1_700_000_000), {
      username: '1700000000:participant-1',
      credential: '+AqJNb79hVs4JFxpl7NiqFfejOE=',
    });
  });
});

describe('browserIce', () => {
  it('adds a TURN entry with a credential of its own for each participant, valid for TURN_CREDENTIAL_TTL_S', () => {
    const ice = browserIce(loadConfig({ ICE_SERVERS: 'stun:stun.example.org:3478', TURN_URLS: 'turn:turn.example.org:3478', TURN_SECRET: SECRET, TURN_CREDENTIAL_TTL_S: '600' }));
    const [stun, turn] = ice.iceServersFor('participant-1');
    assert.deepEqual(stun, { urls: 'stun:stun.example.org:3478' });
    assert.deepEqual(turn?.urls, ['turn:turn.example.org:3478']);
    const expiry = Number(turn?.username?.split(':')[0]);
    assert.ok(Math.abs(expiry - (Date.now() / 1000 + 600)) < 5);
    assert.notEqual(ice.iceServersFor('participant-2')[1]?.username, turn?.username);
    assert.equal(ice.iceTransportPolicy, 'all');
  });

  it('hands out only the configured servers without TURN', () => {
    assert.deepEqual(browserIce(loadConfig({})).iceServersFor('participant-1'), []);
  });

  it('refuses settings that cannot work: TURN without its secret, relay-only without TURN', () => {
    assert.throws(() => loadConfig({ TURN_URLS: 'turn:turn.example.org:3478' }), /TURN_URLS needs TURN_SECRET/);
    assert.throws(() => loadConfig({ ICE_TRANSPORT_POLICY: 'relay' }), /ICE_TRANSPORT_POLICY=relay needs a TURN server/);
    assert.equal(browserIce(loadConfig({ TURN_URLS: 'turn:t:3478', TURN_SECRET: SECRET, ICE_TRANSPORT_POLICY: 'relay' })).iceTransportPolicy, 'relay');
  });
});
