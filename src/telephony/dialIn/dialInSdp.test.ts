import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildAnswer, readOffer } from './dialInSdp.js';

const offer = (media: string): string => `v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n${media}`;

describe('dial-in SDP', () => {
  it('takes the offer’s G.711 codec, preferring ours, and its telephone-event type', () => {
    const read = readOffer(offer('m=audio 4000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n'), 'pcmu');
    assert.deepEqual(read, { ok: true, offer: { remote: { ip: '192.0.2.10', port: 4000 }, codec: 'pcmu', telephoneEventPayloadType: 101 } });
    const answer = buildAnswer('198.51.100.1', 5000, read.ok ? read.offer : assert.fail(), 1);
    assert.match(answer, /m=audio 5000 RTP\/AVP 0 101/);
    assert.match(answer, /a=rtpmap:101 telephone-event\/8000/);
  });

  it('refuses what cannot be a call: no SDP, no audio, no G.711, no address, a huge offer', () => {
    assert.equal(readOffer(undefined, 'pcmu').ok, false);
    assert.equal(readOffer('garbage', 'pcmu').ok, false);
    assert.equal(readOffer(offer('m=video 4000 RTP/AVP 96\r\n'), 'pcmu').ok, false);
    assert.equal(readOffer(offer('m=audio 4000 RTP/AVP 9\r\n'), 'pcmu').ok, false);
    assert.equal(readOffer(offer('m=audio 4000 RTP/SAVP 0\r\n'), 'pcmu').ok, false);
    assert.equal(readOffer(offer('m=audio 4000 RTP/AVP 0\r\n').replace(/192\.0\.2\.10/g, '0.0.0.0'), 'pcmu').ok, false);
    assert.equal(readOffer(offer(`m=audio 4000 RTP/AVP 0\r\n${'a=x\r\n'.repeat(5000)}`), 'pcmu').ok, false);
  });
});
