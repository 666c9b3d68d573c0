/**
 * The tone checks the SIP lab's audio assertions rely on: the right peak
 * for pure and mixed tones, silence recognisable as silence, and files
 * whose header was never finalised still readable.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { analyseWavTone, dominantFrequencyHz } from './toneAnalysis.js';
import { writeToneWav } from './toneWav.js';

const run = promisify(execFile);
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tone-analysis-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('finds the frequency of a pure tone at 8 kHz and 48 kHz', async () => {
  const at8k = await writeToneWav(join(dir, '1k.wav'), { frequencyHz: 1000, durationS: 2 });
  const at48k = await writeToneWav(join(dir, '440-48k.wav'), { frequencyHz: 440, durationS: 2, sampleRateHz: 48000 });
  assert.ok(Math.abs((await dominantFrequencyHz(at8k)) - 1000) < 5);
  assert.ok(Math.abs((await dominantFrequencyHz(at48k)) - 440) < 5);
});

test('reports the share of each tone in a mix', async () => {
  const path = join(dir, 'mix.wav');
  await run('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', path, 'synth', '2', 'sine', '440', 'sine', '1000', 'remix', '1-2', 'vol', '0.4']);
  const report = await analyseWavTone(path);
  assert.ok(report.energyShareNear(440) > 0.3, `440 Hz share ${report.energyShareNear(440)}`);
  assert.ok(report.energyShareNear(1000) > 0.3, `1 kHz share ${report.energyShareNear(1000)}`);
  assert.ok(report.energyShareNear(2500) < 0.01);
});

test('silence (with sox dither) has almost no level and no tone', async () => {
  const path = join(dir, 'silence.wav');
  await run('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', path, 'trim', '0', '2']);
  const report = await analyseWavTone(path);
  assert.ok(report.rms < 0.001, `rms ${report.rms}`);
  assert.ok(report.energyShareNear(1000) < 0.05, `1 kHz share ${report.energyShareNear(1000)}`);
});

test('reads a recording whose data size was never written', async () => {
  const path = await writeToneWav(join(dir, 'open.wav'), { frequencyHz: 440, durationS: 2 });
  const bytes = await readFile(path);
  const dataAt = bytes.indexOf('data');
  bytes.writeUInt32LE(0, dataAt + 4);
  await writeFile(path, bytes);
  const report = await analyseWavTone(path);
  assert.ok(Math.abs(report.durationS - 2) < 0.01, `duration ${report.durationS}`);
  assert.ok(Math.abs(report.dominantFrequencyHz - 440) < 5);
});
