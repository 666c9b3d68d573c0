/**
 * `npm run bench -- <name>|all [--quick]`: runs benchmarks against a real
 * Janus, the built app server and headless Chromium, prints the tables and
 * writes bench/results/<time>.json (plus the capacity and bandwidth charts as PNG).
 *
 * WebRTC media only works inside the loopback network namespace of
 * scripts/in-media-netns.sh (see the README's Tests section), so when run
 * outside it this script runs itself again through that script.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { loadavg } from 'node:os';
import { runBandwidth } from './bandwidth/bandwidthBench.js';
import { runCapacity } from './capacity/capacityBench.js';
import { runJoin } from './join/joinBench.js';
import { runPhone } from './phone/phoneBench.js';
import { runSignalling } from './signalling/signallingBench.js';
import { collectVersions, describeMachine } from './lib/machine.js';
import { startMediaStack } from './lib/mediaStack.js';
import { repoRoot, resultsDir } from './lib/paths.js';
import { progress } from './lib/progress.js';
import { bandwidthChartSvg } from './report/bandwidthChart.js';
import { capacityChartSvg } from './report/capacityChart.js';
import { renderSvgToPng } from './report/renderPng.js';
import type { BenchResults, ResultFile } from './report/resultFile.js';
import { formatTables } from './report/table.js';

const BENCHMARKS = ['join', 'capacity', 'signalling', 'phone', 'bandwidth'] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];

/**
 * The bandwidth benchmark's room: six pages with 1280×720 cameras. So that six browsers encoding and
 * decoding fit this machine's two cores in both arms (see the README's Performance section):
 * - the cameras run at 5 fps;
 * - the pages join without microphones: a browser's audio capture, processing and playout cost about as
 *   much as its video here, and audio is the same with simulcast on or off;
 * - VIDEO_BITRATE_BPS is 600 kbit/s, not the default 1 Mbit/s: with six pages what the browsers spend
 *   follows the bitrate they receive more than the frame rate (4 fps cost what 5 fps did), and at 1 Mbit/s
 *   the arm without simulcast (five 720p streams into each page) left the machine 0–8 % idle.
 * A round warms up for 45 s: a single-layer camera starts below 720p while the bandwidth estimate ramps
 * up, and the encoder steps its size back up only every so many frames, which takes that long at 5 fps
 * (simulcast layers keep their sizes).
 */
const BANDWIDTH_SETUP = {
  pages: 6,
  camera: { width: 1280, height: 720, framesPerSecond: 5, seconds: 3 },
  videoBitrateBps: 600_000,
  warmUpMs: 45_000,
};

/** How much each benchmark does; `--quick` is for trying the benchmarks out, not for figures. */
const PLANS = {
  full: {
    joinRuns: 20,
    capacity: { sizes: [2, 4, 8, 16, 24], measureMs: 15_000, warmUpMs: 3_000 },
    signalling: { concurrency: 8, durationMs: 20_000, memorySteps: [100, 200, 300], participantsPerRoom: 20 },
    phoneRuns: 10,
    bandwidth: { ...BANDWIDTH_SETUP, roundsPerArm: 4, measureMs: 15_000 },
  },
  quick: {
    joinRuns: 3,
    capacity: { sizes: [2, 4], measureMs: 5_000, warmUpMs: 1_000 },
    signalling: { concurrency: 8, durationMs: 5_000, memorySteps: [50, 100], participantsPerRoom: 20 },
    phoneRuns: 2,
    bandwidth: { ...BANDWIDTH_SETUP, roundsPerArm: 1, measureMs: 5_000 },
  },
};

function usage(message: string): never {
  console.error(`${message}\nusage: npm run bench -- <${BENCHMARKS.join('|')}|all>... [--quick]`);
  process.exit(2);
}

function parseArguments(args: string[]): { names: BenchmarkName[]; quick: boolean } {
  const quick = args.includes('--quick');
  const words = args.filter((arg) => !arg.startsWith('--'));
  if (words.length === 0) usage('name a benchmark');
  const names = new Set<BenchmarkName>();
  for (const word of words) {
    if (word === 'all') BENCHMARKS.forEach((name) => names.add(name));
    else if ((BENCHMARKS as readonly string[]).includes(word)) names.add(word as BenchmarkName);
    else usage(`unknown benchmark '${word}'`);
  }
  return { names: BENCHMARKS.filter((name) => names.has(name)), quick };
}

function reExecInMediaNamespace(): never {
  progress('bench', 'entering the loopback network namespace (scripts/in-media-netns.sh)');
  const result = spawnSync(join(repoRoot, 'scripts/in-media-netns.sh'), [process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    cwd: repoRoot,
  });
  process.exit(result.status ?? 1);
}

function ensureBuilt(): void {
  if (existsSync(join(repoRoot, 'dist/server/main.js')) && existsSync(join(repoRoot, 'dist/client/index.html'))) return;
  progress('bench', 'dist/ is missing: npm run build');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit', cwd: repoRoot });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Benchmarks that share the plain app server (no telephony) run against one stack. */
async function runAll(names: BenchmarkName[], plan: (typeof PLANS)['full']): Promise<BenchResults> {
  const results: BenchResults = {};
  for (const name of names) {
    progress(name, 'starting');
    if (name === 'phone') {
      results.phone = await runPhone(plan.phoneRuns);
      continue;
    }
    if (name === 'bandwidth') {
      // Two stacks of its own, simulcast on and off, alternated round by round.
      results.bandwidth = await runBandwidth(plan.bandwidth);
      continue;
    }
    // A fresh Janus and app server per benchmark, so one's leftovers do not weigh on the next's figures.
    const stack = await startMediaStack(name);
    try {
      if (name === 'join') results.join = await runJoin(stack, plan.joinRuns);
      if (name === 'capacity') results.capacity = await runCapacity(stack, plan.capacity);
      if (name === 'signalling') results.signalling = await runSignalling(stack, plan.signalling);
    } finally {
      await stack.stop();
    }
  }
  return results;
}

async function main(): Promise<void> {
  const { names, quick } = parseArguments(process.argv.slice(2));
  if (!process.env['CONVENE_MEDIA_INTERFACE']) reExecInMediaNamespace();
  ensureBuilt();
  const started = new Date();
  const machine = describeMachine();
  const versions = await collectVersions();
  const results = await runAll(names, quick ? PLANS.quick : PLANS.full);

  await mkdir(resultsDir, { recursive: true });
  const stamp = started.toISOString().replace(/\..*$/, '').replace(/:/g, '-');
  const plots: string[] = [];
  const day = new Date().toISOString().slice(0, 10);
  const machineLine = `${machine.cpuModel}, ${machine.cores} cores · Janus ${versions.janus}`;
  const plot = async (name: string, svg: string) => {
    const pngPath = join(resultsDir, `${stamp}-${name}.png`);
    await renderSvgToPng(svg, pngPath);
    plots.push(relative(repoRoot, pngPath));
  };
  if (results.capacity) await plot('capacity', capacityChartSvg(results.capacity.points, `${machineLine} · ${day}`));
  if (results.bandwidth) await plot('bandwidth', bandwidthChartSvg(results.bandwidth, `${machineLine} · Chromium ${versions.chromium} · ${day}`));
  const file: ResultFile = {
    startedAt: started.toISOString(),
    durationS: Math.round((Date.now() - started.getTime()) / 1000),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`,
    machine: { ...machine, loadAverageAtEnd: loadavg().map((value) => Math.round(value * 100) / 100) },
    versions,
    conventions: 'Summaries: median and p95 (nearest rank) over "runs" samples; times in ms; CPU in % of one core; memory in bytes.',
    results,
    plots,
  };
  const jsonPath = join(resultsDir, `${stamp}.json`);
  await writeFile(jsonPath, `${JSON.stringify(file, null, 2)}\n`);
  console.log(formatTables(file));
  console.log(`\nWritten: ${[relative(repoRoot, jsonPath), ...plots].join(', ')} (${file.durationS} s)`);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`benchmark failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
