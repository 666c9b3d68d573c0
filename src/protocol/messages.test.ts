/** The shared protocol schemas accept what pages send and reject the rest with a reason. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientMessage, ServerMessage } from './messages.js';
import { JoinCallRequest } from './http.js';
import { parseClientMessage } from '../signalling/parseMessage.js';

const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n';

describe('ClientMessage', () => {
  const valid: unknown[] = [
    { type: 'publish', feed: 'camera', sdp: SDP },
    { type: 'publish', feed: 'screen', sdp: SDP },
    { type: 'unpublish', feed: 'screen' },
    { type: 'subscriptionAnswer', pcId: 'sub-12', sdp: SDP },
    { type: 'trickle', pcId: 'pub-camera', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.2 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
    { type: 'trickle', pcId: 'sub-1', candidate: null },
    { type: 'mute', audioMuted: true, videoMuted: false },
    { type: 'leave' },
    { type: 'ping', nonce: 3 },
  ];
  for (const message of valid) {
    it(`accepts ${JSON.stringify(message).slice(0, 60)}`, () => {
      assert.equal(ClientMessage.safeParse(message).success, true);
    });
  }

  const invalid: Array<[string, unknown, RegExp]> = [
    ['an unknown type', { type: 'explode' }, /type/],
    ['a missing field', { type: 'publish', feed: 'camera' }, /sdp/],
    ['an unknown feed', { type: 'publish', feed: 'microwave', sdp: SDP }, /feed/],
    ['a forged peer connection id', { type: 'subscriptionAnswer', pcId: 'sub-../../etc', sdp: SDP }, /pcId/],
    ['an extra field', { type: 'leave', room: 'beta' }, /room|unrecognized/i],
    ['a wrong type of value', { type: 'mute', audioMuted: 'yes', videoMuted: false }, /audioMuted/],
    ['an oversized SDP', { type: 'publish', feed: 'camera', sdp: 'x'.repeat(70_000) }, /sdp/],
    ['a non-object', 42, /expected object|message/i],
  ];
  for (const [what, message, reason] of invalid) {
    it(`rejects ${what} with a reason`, () => {
      const parsed = parseClientMessage(JSON.stringify(message));
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.reason, reason);
    });
  }

  it('rejects text that is not JSON, and binary frames', () => {
    assert.deepEqual(parseClientMessage('{not json'), { ok: false, reason: 'message is not valid JSON' });
    assert.equal(parseClientMessage(undefined).ok, false);
  });
});

describe('ServerMessage', () => {
  it('accepts a welcome and rejects one without its participant list', () => {
    const welcome = {
      type: 'welcome', protocolVersion: 3, room: 'alpha', iceServers: [],
      video: { simulcast: true, maxBitrateBps: 1_000_000, lastN: 9 },
      self: { participantId: 'abcdefgh12', name: 'Ann', kind: 'browser', audioMuted: false, videoMuted: false },
      participants: [],
    };
    assert.equal(ServerMessage.safeParse(welcome).success, true);
    assert.equal(ServerMessage.safeParse({ ...welcome, participants: undefined }).success, false);
  });
});

describe('JoinCallRequest', () => {
  it('accepts our shape and the seed sample\'s shape alike', () => {
    assert.deepEqual(JoinCallRequest.parse({ name: 'Ann', room: 'alpha' }), { name: 'Ann', room: 'alpha', host: false });
    assert.deepEqual(
      JoinCallRequest.parse({ room: 'alpha', caller: { name: 'Ann' }, call_type: 'video', audio: true, video: true }),
      { name: 'Ann', room: 'alpha', host: false },
    );
  });

  it('asks to host only when told so (the route also wants the operator\'s secret for it)', () => {
    assert.equal(JoinCallRequest.parse({ name: 'Ann', host: true }).host, true);
    assert.equal(JoinCallRequest.safeParse({ name: 'Ann', host: 'yes' }).success, false);
  });

  it('puts a missing or empty room in the lobby, as the seed does', () => {
    assert.equal(JoinCallRequest.parse({ name: 'Ann' }).room, 'lobby');
    assert.equal(JoinCallRequest.parse({ name: 'Ann', room: '  ' }).room, 'lobby');
  });

  it('carries an optional room password of 1 to 128 characters', () => {
    assert.deepEqual(JoinCallRequest.parse({ name: 'Ann', room: 'alpha', password: 'open sesame' }), { name: 'Ann', room: 'alpha', host: false, password: 'open sesame' });
    assert.equal(JoinCallRequest.safeParse({ name: 'Ann', password: '' }).success, false);
    assert.equal(JoinCallRequest.safeParse({ name: 'Ann', password: 'x'.repeat(129) }).success, false);
  });

  it('rejects a missing name, control characters and unknown fields', () => {
    assert.equal(JoinCallRequest.safeParse({ room: 'alpha' }).success, false);
    assert.equal(JoinCallRequest.safeParse({ name: 'A\u0000nn' }).success, false);
    assert.equal(JoinCallRequest.safeParse({ name: 'Ann', admin: true }).success, false);
  });
});
