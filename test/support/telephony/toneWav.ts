/**
 * Writes a sine-tone WAV with sox, to serve as a lab agent's microphone.
 * 16-bit mono at 8 kHz by default: baresip's aufile plays a file only at
 * the codec's own rate, and G.711 runs at 8 kHz.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ToneWavOptions {
  readonly frequencyHz: number;
  /** Long enough for the longest call a test makes; aufile stops at the end. */
  readonly durationS: number;
  readonly sampleRateHz?: number;
  /** Peak level from 0 to 1; below 1 so G.711 never clips it. */
  readonly amplitude?: number;
}

export async function writeToneWav(path: string, options: ToneWavOptions): Promise<string> {
  const { frequencyHz, durationS, sampleRateHz = 8000, amplitude = 0.5 } = options;
  const format = ['-r', String(sampleRateHz), '-c', '1', '-b', '16', '-e', 'signed-integer'];
  await run('sox', ['-n', ...format, path, 'synth', String(durationS), 'sine', String(frequencyHz), 'vol', String(amplitude)]);
  return path;
}
