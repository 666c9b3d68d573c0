import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRtp, parseRtp } from './rtpPacket.js';
import { TelephoneEventReader } from './telephoneEvents.js';
import { readInfoDigit } from './sipInfoDigits.js';
import { KeypadEntries } from './KeypadEntries.js';

const EVENT_PT = 101;

function eventPacket(event: number, timestamp: number, end = false): Buffer {
  const payload = Buffer.from([event, end ? 0x80 : 0, 0, 160]);
  return buildRtp({ payloadType: EVENT_PT, marker: false, sequence: timestamp & 0xffff, timestamp, ssrc: 7, payload });
}

describe('RTP packets', () => {
  it('reads back what it builds', () => {
    const payload = Buffer.alloc(160, 0x55);
    const read = parseRtp(buildRtp({ payloadType: 0, marker: true, sequence: 65535, timestamp: 2 ** 32 - 1, ssrc: 42, payload }));
    assert.deepEqual(read, { payloadType: 0, marker: true, sequence: 65535, timestamp: 2 ** 32 - 1, ssrc: 42, payload });
  });

  it('drops datagrams that are not RTP: too short, another version, header past the end', () => {
    assert.equal(parseRtp(Buffer.alloc(11)), undefined);
    assert.equal(parseRtp(Buffer.alloc(20)), undefined, 'version 0');
    const csrcsPastEnd = Buffer.alloc(12);
    csrcsPastEnd.writeUInt8(0x8f, 0);
    assert.equal(parseRtp(csrcsPastEnd), undefined);
    const paddingPastEnd = Buffer.alloc(13);
    paddingPastEnd.writeUInt8(0xa0, 0);
    paddingPastEnd.writeUInt8(200, 12);
    assert.equal(parseRtp(paddingPastEnd), undefined);
  });
});

describe('RFC 4733 keypad events', () => {
  it('takes each key once, whatever its updates and end packets', () => {
    const reader = new TelephoneEventReader(EVENT_PT);
    const keys = [eventPacket(1, 1000), eventPacket(1, 1000), eventPacket(1, 1000, true), eventPacket(1, 1000, true), eventPacket(11, 2000), eventPacket(10, 3000)]
      .map((datagram) => reader.read(parseRtp(datagram)!))
      .filter(Boolean);
    assert.deepEqual(keys, ['1', '#', '*']);
  });

  it('ignores events that are no key, and audio packets', () => {
    const reader = new TelephoneEventReader(EVENT_PT);
    assert.equal(reader.read(parseRtp(eventPacket(16, 1000))!), undefined, 'flash');
    const audio = parseRtp(buildRtp({ payloadType: 0, marker: false, sequence: 1, timestamp: 1, ssrc: 1, payload: Buffer.alloc(160) }))!;
    assert.equal(reader.isEvent(audio), false);
    assert.equal(new TelephoneEventReader(undefined).read(parseRtp(eventPacket(1, 1))!), undefined, 'no events were negotiated');
  });
});

describe('SIP INFO digits', () => {
  it('reads dtmf-relay and dtmf bodies', () => {
    assert.deepEqual(readInfoDigit('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'), { ok: true, digit: '5' });
    assert.deepEqual(readInfoDigit('application/dtmf-relay; charset=utf-8', 'Signal= #\r\n'), { ok: true, digit: '#' });
    assert.deepEqual(readInfoDigit('application/dtmf', '*'), { ok: true, digit: '*' });
  });

  it('refuses other types, huge bodies and bodies without a key', () => {
    assert.equal(readInfoDigit('text/plain', 'Signal=5').ok, false);
    assert.equal(readInfoDigit('application/dtmf-relay', `Signal=5\r\n${'x'.repeat(10_000)}`).ok, false);
    assert.equal(readInfoDigit('application/dtmf-relay', 'Signal=A').ok, false);
    assert.equal(readInfoDigit(undefined, undefined).ok, false);
  });
});

describe('KeypadEntries', () => {
  it('makes an entry of the digits up to #, and keeps entries typed ahead', async () => {
    const entries = new KeypadEntries();
    for (const key of ['1', '2', '#', '3', '*', '4', '#'] as const) entries.push(key);
    assert.equal(await entries.next(1000).entry, '12');
    assert.equal(await entries.next(1000).entry, '4', '* clears what was typed');
  });

  it('gives up when no entry comes in time, or when cancelled', async () => {
    const entries = new KeypadEntries();
    assert.equal(await entries.next(10).entry, undefined);
    const waiting = entries.next(60_000);
    waiting.cancel();
    assert.equal(await waiting.entry, undefined);
  });
});
