/**
 * Reads 16-bit PCM WAV files into samples. Tolerates the header of a file
 * that is still being written (data size 0 or past the end), so a test can
 * inspect a call's recording while the call is up.
 */
import { readFile } from 'node:fs/promises';

export interface WavAudio {
  readonly sampleRateHz: number;
  /** First channel only, scaled to -1..1. */
  readonly samples: Float32Array;
}

export async function readWav(path: string): Promise<WavAudio> {
  const bytes = await readFile(path);
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path}: not a RIFF/WAVE file`);
  }
  let offset = 12;
  let format: { sampleRateHz: number; channels: number; bitsPerSample: number; encoding: number } | undefined;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const declared = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = {
        encoding: bytes.readUInt16LE(body),
        channels: bytes.readUInt16LE(body + 2),
        sampleRateHz: bytes.readUInt32LE(body + 4),
        bitsPerSample: bytes.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format) throw new Error(`${path}: data chunk before fmt chunk`);
      if (format.encoding !== 1 || format.bitsPerSample !== 16) {
        throw new Error(`${path}: only 16-bit PCM is supported (encoding ${format.encoding}, ${format.bitsPerSample} bits)`);
      }
      const available = bytes.length - body;
      const size = declared === 0 || declared > available ? available : declared;
      const frameBytes = 2 * format.channels;
      const frames = Math.floor(size / frameBytes);
      const samples = new Float32Array(frames);
      for (let frame = 0; frame < frames; frame += 1) samples[frame] = bytes.readInt16LE(body + frame * frameBytes) / 32768;
      return { sampleRateHz: format.sampleRateHz, samples };
    }
    offset = body + declared + (declared % 2);
  }
  throw new Error(`${path}: no data chunk`);
}
