/**
 * Answers "which tone is in this recording?" for the lab's audio checks.
 * The spectrum is averaged over ~1 s Hann windows (Welch), so silence
 * before the first RTP packet or after hang-up only dilutes it, and G.711
 * quantisation noise stays far below a real tone.
 */
import { readWav, type WavAudio } from './wavFile.js';

export interface ToneReport {
  readonly sampleRateHz: number;
  readonly durationS: number;
  /** Root mean square level, 0..1; a few thousandths means silence. */
  readonly rms: number;
  /** Frequency of the strongest spectral peak. */
  readonly dominantFrequencyHz: number;
  /** Share (0..1) of the signal's energy within `bandHz` of `frequencyHz`. */
  readonly energyShareNear: (frequencyHz: number, bandHz?: number) => number;
}

function fftInPlace(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i += 1) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] as number, re[i] as number];
      [im[i], im[j]] = [im[j] as number, im[i] as number];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = (-2 * Math.PI) / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < size / 2; k += 1) {
        const wr = Math.cos(angle * k);
        const wi = Math.sin(angle * k);
        const a = start + k;
        const b = a + size / 2;
        const br = re[b] as number;
        const bi = im[b] as number;
        const tr = br * wr - bi * wi;
        const ti = br * wi + bi * wr;
        re[b] = (re[a] as number) - tr;
        im[b] = (im[a] as number) - ti;
        re[a] = (re[a] as number) + tr;
        im[a] = (im[a] as number) + ti;
      }
    }
  }
}

/** Power per bin, averaged over all full windows of the signal. */
function averagePowerSpectrum(samples: Float32Array, windowSize: number): Float64Array {
  const power = new Float64Array(windowSize / 2);
  const hann = Float64Array.from({ length: windowSize }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (windowSize - 1)));
  for (let start = 0; start + windowSize <= samples.length; start += windowSize) {
    const re = Float64Array.from({ length: windowSize }, (_, i) => (samples[start + i] as number) * (hann[i] as number));
    const im = new Float64Array(windowSize);
    fftInPlace(re, im);
    for (let bin = 1; bin < power.length; bin += 1) power[bin] = (power[bin] as number) + (re[bin] as number) ** 2 + (im[bin] as number) ** 2;
  }
  return power;
}

export function analyseTone(audio: WavAudio): ToneReport {
  const { samples, sampleRateHz } = audio;
  // A power of two near one second: ~1 Hz resolution, cheap to transform.
  let windowSize = 1;
  while (windowSize * 2 <= Math.min(sampleRateHz, samples.length)) windowSize *= 2;
  if (windowSize < 256) throw new Error(`recording too short to analyse (${samples.length} samples)`);
  const power = averagePowerSpectrum(samples, windowSize);
  const hzPerBin = sampleRateHz / windowSize;
  let peak = 1;
  for (let bin = 1; bin < power.length; bin += 1) if ((power[bin] as number) > (power[peak] as number)) peak = bin;
  const total = power.reduce((sum, value) => sum + value, 0);
  let sumSquares = 0;
  for (const sample of samples) sumSquares += sample * sample;
  return {
    sampleRateHz,
    durationS: samples.length / sampleRateHz,
    rms: Math.sqrt(sumSquares / Math.max(1, samples.length)),
    dominantFrequencyHz: peak * hzPerBin,
    energyShareNear(frequencyHz, bandHz = 20) {
      if (total === 0) return 0;
      const from = Math.max(1, Math.floor((frequencyHz - bandHz) / hzPerBin));
      const to = Math.min(power.length - 1, Math.ceil((frequencyHz + bandHz) / hzPerBin));
      let near = 0;
      for (let bin = from; bin <= to; bin += 1) near += power[bin] as number;
      return near / total;
    },
  };
}

export async function analyseWavTone(path: string): Promise<ToneReport> {
  return analyseTone(await readWav(path));
}

/** The strongest frequency in a WAV file, in Hz. */
export async function dominantFrequencyHz(path: string): Promise<number> {
  return (await analyseWavTone(path)).dominantFrequencyHz;
}

/** The last `seconds` of a recording, analysed alone: what a call hears now, without what it heard before (a prompt). */
export async function analyseWavTail(path: string, seconds: number): Promise<ToneReport> {
  const audio = await readWav(path);
  return analyseTone({ ...audio, samples: audio.samples.slice(-Math.round(seconds * audio.sampleRateHz)) });
}
