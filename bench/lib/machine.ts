/** What the figures were measured on: the machine and the versions of everything in the media path. */
import { execFile } from 'node:child_process';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { CHROMIUM_PATH } from '../../test/support/browser.js';

const run = promisify(execFile);

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  kernel: string;
  /** 1, 5 and 15 minute load averages when the run started: high values mean other work shared the CPU. */
  loadAverageAtStart: number[];
}

export interface Versions {
  node: string;
  janus: string;
  chromium: string;
  werift: string;
}

export function describeMachine(): MachineInfo {
  const all = cpus();
  return {
    cpuModel: all[0]?.model.trim() ?? 'unknown',
    cores: all.length,
    memoryBytes: totalmem(),
    kernel: release(),
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

async function firstLine(command: string, args: string[], pattern: RegExp): Promise<string> {
  let stdout: string;
  try {
    stdout = (await run(command, args, { timeout: 15_000 })).stdout;
  } catch (error) {
    // `janus --version` prints its version and then exits with 1.
    stdout = String((error as { stdout?: unknown }).stdout ?? '');
  }
  return pattern.exec(stdout)?.[1] ?? (stdout.split('\n')[0]?.trim() || 'unknown');
}

export async function collectVersions(): Promise<Versions> {
  // werift's exports hide its package.json from require: read it from node_modules.
  const weriftManifest = JSON.parse(await readFile(join(repoRoot, 'node_modules/werift/package.json'), 'utf8')) as { version: string };
  const werift = weriftManifest.version;
  return {
    node: process.version,
    janus: await firstLine(process.env['JANUS_BINARY'] ?? 'janus', ['--version'], /Janus version: \d+ \(([^)]+)\)/),
    chromium: await firstLine(CHROMIUM_PATH, ['--version'], /Chromium ([\d.]+)/),
    werift,
  };
}
