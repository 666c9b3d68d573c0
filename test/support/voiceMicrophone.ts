/**
 * A fake microphone that always sounds like someone speaking, for Chromium's
 * `--use-file-for-fake-audio-capture`: a 0.4 s rising tone, looped. A steady
 * tone will not do: the browser's noise suppression learns it as noise
 * within seconds and takes it down to a few hundredths, near the speaking
 * threshold.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface VoiceMicrophone {
  /** What Chromium is launched with to use it. */
  chromiumArgs: string[];
  /** Deletes the sound file. */
  remove(): Promise<void>;
}

export async function voiceMicrophone(): Promise<VoiceMicrophone> {
  const dir = await mkdtemp(join(tmpdir(), 'convene-voice-'));
  const voice = join(dir, 'voice.wav');
  await promisify(execFile)('sox', ['-n', '-r', '48000', '-c', '1', voice, 'synth', '0.4', 'sine', '300-1000', 'vol', '0.5']);
  return { chromiumArgs: [`--use-file-for-fake-audio-capture=${voice}`], remove: () => rm(dir, { recursive: true, force: true }) };
}
