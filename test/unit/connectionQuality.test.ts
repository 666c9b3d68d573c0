/**
 * Connection quality: the grades' thresholds and their hysteresis (a label
 * falls at once, climbs only after CLIMB_AFTER_S clean seconds, and a link
 * hovering at a threshold keeps its label), and how the received streams'
 * counters become each participant's grade and the downlink's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLIMB_AFTER_S, QualityGrader, type LinkMeasure, type QualityReport } from '../../src/client/media/ConnectionQuality.js';
import { ReceiveQuality } from '../../src/client/media/ReceiveQuality.js';
import type { InboundSample } from '../../src/client/media/ReceiveStats.js';

const CLEAN: LinkMeasure = { lossShare: 0, roundTripMs: 20, kbps: 800, stalled: false };

function grades(measures: Array<Partial<LinkMeasure>>): string[] {
  const grader = new QualityGrader();
  return measures.map((measure) => grader.update({ ...CLEAN, ...measure }));
}

describe('QualityGrader', () => {
  it('grades by loss, round trip and stalls', () => {
    assert.deepEqual(grades([{}]), ['good']);
    assert.deepEqual(grades([{ lossShare: 0.03 }]), ['fair']);
    assert.deepEqual(grades([{ lossShare: 0.1 }]), ['poor']);
    assert.deepEqual(grades([{ roundTripMs: 400 }]), ['fair']);
    assert.deepEqual(grades([{ roundTripMs: 900 }]), ['poor']);
    assert.deepEqual(grades([{ stalled: true }]), ['poor']);
    assert.deepEqual(grades([{ roundTripMs: undefined }]), ['good'], 'a round trip not measured yet counts for nothing');
  });

  it('falls at once and climbs back only after clean seconds in a row', () => {
    const clean = Array.from({ length: CLIMB_AFTER_S }, () => ({}));
    assert.deepEqual(grades([{}, { lossShare: 0.2 }, ...clean]), ['good', 'poor', ...clean.slice(1).map(() => 'poor'), 'good']);
    assert.deepEqual(grades([{ lossShare: 0.2 }, {}, {}, { lossShare: 0.1 }, {}, {}, {}]), ['poor', 'poor', 'poor', 'poor', 'poor', 'poor', 'good'], 'a bad second starts the wait again');
    assert.deepEqual(grades([{ lossShare: 0.2 }, { lossShare: 0.03 }, { lossShare: 0.03 }, { lossShare: 0.03 }]), ['poor', 'poor', 'poor', 'fair'], 'it climbs as far as the measures allow');
  });

  it('keeps its label while a link hovers around a threshold', () => {
    const hovering = Array.from({ length: 10 }, (_, second) => ({ lossShare: second % 2 === 0 ? 0.025 : 0.015 }));
    assert.deepEqual(new Set(grades(hovering)), new Set(['fair']));
    const nearPoor = Array.from({ length: 10 }, (_, second) => ({ roundTripMs: second % 2 === 0 ? 750 : 600 }));
    assert.deepEqual(new Set(grades(nearPoor)), new Set(['poor']));
  });
});

describe('ReceiveQuality', () => {
  /** Feeds one second of counters per stream: m-line → [participant, kind, packets received, lost, bytes] a second. */
  function run(streams: Record<string, [string, InboundSample['kind'], number, number, number]>, seconds: number, roundTripMs = 20) {
    const reports = new Map<string, QualityReport>();
    const downlink: QualityReport[] = [];
    const quality = new ReceiveQuality((mid) => streams[mid]?.[0], { participant: (id, report) => reports.set(id, report), gone: () => undefined, downlink: (report) => downlink.push(report) });
    for (let second = 0; second <= seconds; second += 1) {
      const samples = Object.entries(streams).map(([mid, [, kind, received, lost, bytes]]) => ({
        mid,
        kind,
        packetsReceived: received * second,
        packetsLost: lost * second,
        bytesReceived: bytes * second,
        framesDecoded: 0,
        freezeCount: 0,
        frameHeight: 0,
      }));
      quality.update(samples, second * 1_000, roundTripMs);
    }
    return { reports, downlink };
  }

  it("grades each participant by their worst stream, and counts their bitrate", () => {
    const { reports } = run({ a1: ['ann', 'audio', 40, 10, 5_000], v1: ['ann', 'video', 200, 0, 100_000], a2: ['bob', 'audio', 50, 0, 5_000] }, 3);
    assert.equal(reports.get('ann')?.grade, 'poor', 'a fifth of her voice lost');
    assert.equal(reports.get('ann')?.lossShare, 0.2);
    assert.equal(reports.get('ann')?.kbps, 840);
    assert.equal(reports.get('bob')?.grade, 'good');
  });

  it('leaves out streams with too few packets to tell, and takes a stalled voice as poor', () => {
    const { reports } = run({ a1: ['ann', 'audio', 50, 0, 5_000], v1: ['ann', 'video', 1, 1, 500] }, 3);
    assert.equal(reports.get('ann')?.grade, 'good', "a muted camera's frames say little");
    const quality = new ReceiveQuality(() => 'ann', { participant: (_, report) => reports.set('ann', report), gone: () => undefined, downlink: () => undefined });
    const audio = (packets: number): InboundSample[] => [{ mid: 'a', kind: 'audio', packetsReceived: packets, packetsLost: 0, bytesReceived: packets * 100, framesDecoded: 0, freezeCount: 0, frameHeight: 0 }];
    [0, 50, 100, 100].forEach((packets, second) => quality.update(audio(packets), second * 1_000, 20));
    assert.equal(reports.get('ann')?.stalled, true);
    assert.equal(reports.get('ann')?.grade, 'poor');
  });

  it("grades the page's downlink poor when everyone it receives loses packets, or on a long round trip", () => {
    const oneBad = run({ a1: ['ann', 'audio', 40, 10, 5_000], a2: ['bob', 'audio', 50, 0, 5_000] }, 3);
    assert.equal(oneBad.downlink.at(-1)?.grade, 'good', "one participant's trouble is theirs");
    const allBad = run({ a1: ['ann', 'audio', 40, 10, 5_000], a2: ['bob', 'audio', 45, 10, 5_000] }, 3);
    assert.equal(allBad.downlink.at(-1)?.grade, 'poor');
    const slow = run({ a1: ['ann', 'audio', 50, 0, 5_000] }, 3, 1_200);
    assert.equal(slow.downlink.at(-1)?.grade, 'poor');
    assert.equal(slow.reports.get('ann')?.roundTripMs, 1_200);
  });
});
