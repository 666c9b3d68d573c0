/**
 * What a dial-in caller hears from Convene itself: spoken prompts, made
 * once with espeak-ng and sox as raw G.711 (8 kHz, one byte a sample) in
 * both codecs, kept in `RUN_DIR/prompts` and reused after restarts. A file
 * is named for a digest of its text, so a changed text is spoken again.
 * The number of participants (`*1`) is spoken on first use of each count
 * and kept the same way.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { G711Codec } from '../phoneSdp.js';

const run = promisify(execFile);

export const PROMPT_TEXTS = {
  welcome: 'Welcome to Convene. Enter your meeting PIN, then press pound.',
  invalid: 'That PIN is not valid. Please try again.',
  goodbye: 'Goodbye.',
  joined: 'You are now in the meeting.',
  locked: 'This meeting is locked. Goodbye.',
  full: 'This meeting is full. Goodbye.',
  waiting: 'Please wait. A host will let you in soon.',
  muted: 'You are muted.',
  unmuted: 'You are unmuted.',
} as const;

export type PromptName = keyof typeof PROMPT_TEXTS;

const SOX_ENCODINGS: Record<G711Codec, string> = { pcmu: 'mu-law', pcma: 'a-law' };
/** Counts spoken for `*1` beyond this are said as "many", so callers cannot fill the disk. */
const MAX_SPOKEN_COUNT = 500;

export class Prompts {
  private readonly spoken = new Map<string, Promise<Buffer>>();

  private constructor(private readonly dir: string) {}

  /** Makes every fixed prompt that `runDir` does not hold yet; fails when espeak-ng or sox is missing. */
  static async prepare(runDir: string): Promise<Prompts> {
    const dir = join(runDir, 'prompts');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const prompts = new Prompts(dir);
    // One at a time: the machine also runs Janus, and start-up is not in a hurry.
    for (const text of Object.values(PROMPT_TEXTS)) for (const codec of ['pcmu', 'pcma'] as const) await prompts.audio(text, codec);
    return prompts;
  }

  get(name: PromptName, codec: G711Codec): Promise<Buffer> {
    return this.audio(PROMPT_TEXTS[name], codec);
  }

  participantCount(count: number, codec: G711Codec): Promise<Buffer> {
    const text =
      count > MAX_SPOKEN_COUNT ? 'There are many participants.' : count === 1 ? 'There is 1 participant.' : `There are ${count} participants.`;
    return this.audio(text, codec);
  }

  private audio(text: string, codec: G711Codec): Promise<Buffer> {
    const file = join(this.dir, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}.${codec}`);
    let audio = this.spoken.get(file);
    if (!audio) {
      audio = readFile(file).catch(() => this.speak(text, codec, file));
      this.spoken.set(file, audio);
      // A failure is not kept: the next call tries again.
      audio.catch(() => this.spoken.delete(file));
    }
    return audio;
  }

  private async speak(text: string, codec: G711Codec, file: string): Promise<Buffer> {
    const wav = `${file}.${process.pid}.wav`;
    const partial = `${file}.${process.pid}.part`;
    try {
      await run('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, text]);
      await run('sox', [wav, '-r', '8000', '-c', '1', '-e', SOX_ENCODINGS[codec], '-t', 'raw', partial]);
      await rename(partial, file);
      return await readFile(file);
    } finally {
      await rm(wav, { force: true });
      await rm(partial, { force: true });
    }
  }
}
