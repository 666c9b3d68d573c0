/**
 * Speakers from last-packet audio levels: a short sound between two
 * judgements still counts, silence does not, the loudest is highlighted.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LISTEN_EVERY_MS, SpeakerDetector } from '../../src/client/media/SpeakerDetector.js';

/**
 * Last-packet levels of Chromium's fake microphone as a receiving page read
 * them (every 20 ms): a beep every 500 ms, two loud packets, then a fade.
 */
const BEEP = [0.224, 0.398, 0.079, 0.025, 0.016, 0.01, 0.007, 0.003];
function beepLevel(atMs: number, offsetMs = 0): number {
  const sinceBeep = (atMs + offsetMs) % 500;
  return BEEP[Math.floor(sinceBeep / 20)] ?? 0;
}

function detect(levels: (atMs: number) => Record<string, number>, forMs: number) {
  const speaking = new Set<string>();
  const loudest: (string | undefined)[] = [];
  const peaks: Record<string, number> = {};
  const detector = new SpeakerDetector((mid) => `p${mid}`, { speaking: (id) => speaking.add(id), loudest: (id) => loudest.push(id) });
  for (let at = 0; at <= forMs; at += LISTEN_EVERY_MS) {
    detector.hear(Object.entries(levels(at)).map(([mid, level]) => ({ mid, level })), at);
    for (const mid of Object.keys(levels(at))) peaks[mid] = Math.max(peaks[mid] ?? 0, detector.level(`p${mid}`));
  }
  return { speaking, loudest, peaks, detector };
}

describe('SpeakerDetector', () => {
  it('hears a short beep whatever its phase against the listening clock', () => {
    for (let offset = 0; offset < 500; offset += 5) {
      const { speaking, peaks } = detect((at) => ({ '1': beepLevel(at, offset) }), 1_500);
      assert.ok(speaking.has('p1'), `beep at phase ${offset} ms makes a speaker`);
      assert.ok((peaks['1'] ?? 0) >= 0.079, `the level shows the beep's peak at phase ${offset} ms (${peaks['1']})`);
    }
  });

  it('takes no one for a speaker in silence or noise under the threshold, and lets the level fall back', () => {
    const { speaking, loudest, detector } = detect((at) => ({ '1': at < 1_000 ? 0.01 : 0, '2': 0 }), 2_000);
    assert.deepEqual([...speaking], []);
    assert.ok(loudest.every((id) => id === undefined));
    assert.equal(detector.level('p1'), 0, 'a second of silence later, the level is 0');
  });

  it('highlights the loudest of two speakers', () => {
    const { speaking, loudest } = detect(() => ({ '1': 0.05, '2': 0.3 }), 500);
    assert.deepEqual([...speaking].sort(), ['p1', 'p2']);
    assert.equal(loudest.at(-1), 'p2');
  });

  it('leaves out m-lines that carry no participant', () => {
    const detector = new SpeakerDetector(() => undefined, { speaking: () => assert.fail('nobody to speak'), loudest: () => undefined });
    for (let at = 0; at < 500; at += LISTEN_EVERY_MS) detector.hear([{ mid: '9', level: 0.5 }], at);
  });
});
