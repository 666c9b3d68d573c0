/**
 * Downlink with and without simulcast: N meeting pages (a Chromium each,
 * its fake camera playing a busy 1280×720 clip, no microphone) in one room, laid out as
 * the page's grid in a 1280×720 window. Two media stacks run side by side,
 * one with SIMULCAST on and one off; rounds alternate between them (on,
 * off, on, …) so both arms share the machine's drifting speed. Per arm:
 * each page's downlink and decoded frames per second, the layer sizes that
 * arrived, what the cameras captured and each layer sent, the pages' CPU,
 * Janus's, and the machine's idle share, which together show whether an
 * arm was starved of CPU.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMediaStack, type MediaStack } from '../lib/mediaStack.js';
import { progress } from '../lib/progress.js';
import { summarize } from '../lib/stats.js';
import { writeBusyClip, type ClipFormat } from './busyClip.js';
import { measureRound, type RoundSample, type RoundTiming } from './bandwidthRound.js';
import { summarizeArm, type ArmSummary } from './armSummary.js';
import { PageBrowser } from './pageBrowser.js';

export interface BandwidthOptions extends RoundTiming {
  pages: number;
  roundsPerArm: number;
  camera: ClipFormat;
  videoBitrateBps: number;
}

export interface BandwidthResult {
  setup: BandwidthOptions & { browserPerPage: true; microphones: false; viewport: { width: number; height: number } };
  simulcastOn: ArmSummary;
  simulcastOff: ArmSummary;
  /** Median downlink per page with simulcast on ÷ the same with it off. */
  downlinkRatio: number;
  /** The ratio the feature aims to stay under. */
  targetRatio: number;
  /** Each round in the order run, to see the machine drift. */
  rounds: Array<{ simulcast: boolean; downlinkMedianBps: number; decodedFpsMedian: number; machineIdlePercent: number; otherCpuPercent: number }>;
  failures: string[];
}

const TARGET_RATIO = 0.35;
const VIEWPORT = { width: 1280, height: 720 };

export async function runBandwidth(options: BandwidthOptions): Promise<BandwidthResult> {
  const clipDir = await mkdtemp(join(tmpdir(), 'convene-bandwidth-'));
  const browsers: PageBrowser[] = [];
  const stacks: MediaStack[] = [];
  try {
    progress('bandwidth', `writing the ${options.camera.width}×${options.camera.height} camera clip at ${options.camera.framesPerSecond} fps`);
    const clip = await writeBusyClip(clipDir, options.camera);
    const bitrate = { VIDEO_BITRATE_BPS: String(options.videoBitrateBps) };
    const arms = [
      { simulcast: true, stack: await startMediaStack('bandwidth-simulcast-on', { ...bitrate, SIMULCAST: 'true' }) },
      { simulcast: false, stack: await startMediaStack('bandwidth-simulcast-off', { ...bitrate, SIMULCAST: 'false' }) },
    ];
    stacks.push(...arms.map((arm) => arm.stack));
    progress('bandwidth', `launching ${options.pages} browsers, one per page`);
    for (let index = 0; index < options.pages; index++) browsers.push(await PageBrowser.launch(clip));

    const samples: RoundSample[] = [];
    const failures: string[] = [];
    const totalRounds = options.roundsPerArm * arms.length;
    for (let round = 0; round < totalRounds; round++) {
      const { simulcast, stack } = arms[round % arms.length]!;
      const label = `round ${round + 1}/${totalRounds}, simulcast ${simulcast ? 'on' : 'off'}`;
      progress('bandwidth', `${label}: ${options.pages} pages join, warm up ${options.warmUpMs / 1000} s, measure ${options.measureMs / 1000} s`);
      try {
        const sample = await measureRound(stack, simulcast, browsers, options, `bandwidth-${round + 1}-${Date.now()}`);
        samples.push(sample);
        progress('bandwidth', `${label}: ${describeRound(sample)}`);
      } catch (error) {
        failures.push(`${label}: ${(error as Error).message.split('\n')[0]}`);
        progress('bandwidth', `${label} failed: ${failures.at(-1)}`);
      }
    }

    const simulcastOn = summarizeArm(samples.filter((s) => s.simulcast), true);
    const simulcastOff = summarizeArm(samples.filter((s) => !s.simulcast), false);
    return {
      setup: { ...options, browserPerPage: true, microphones: false, viewport: VIEWPORT },
      simulcastOn,
      simulcastOff,
      downlinkRatio: simulcastOn.downlinkBps.median / simulcastOff.downlinkBps.median,
      targetRatio: TARGET_RATIO,
      rounds: samples.map((sample) => ({
        simulcast: sample.simulcast,
        downlinkMedianBps: summarize(sample.pages.map((page) => page.downlinkBps)).median,
        decodedFpsMedian: summarize(sample.pages.flatMap((page) => page.decodedFps)).median,
        machineIdlePercent: sample.machineIdlePercent,
        otherCpuPercent: sample.otherCpuPercent,
      })),
      failures,
    };
  } finally {
    await Promise.all(browsers.map((browser) => browser.close()));
    await Promise.all(stacks.map((stack) => stack.stop()));
    await rm(clipDir, { recursive: true, force: true });
  }
}

function describeRound(sample: RoundSample): string {
  const kbps = (bps: number) => (bps / 1000).toFixed(0);
  const downlinks = sample.pages.map((page) => kbps(page.downlinkBps)).join('/');
  const fps = sample.pages.flatMap((page) => page.decodedFps);
  const heights = [...new Set(sample.pages.flatMap((page) => page.receivedHeights))].join('/');
  const renderer = sample.pages.map((page) => page.rendererCpuPercent.toFixed(0)).join('/');
  return (
    `downlink ${downlinks} kbit/s, decoded ${Math.min(...fps).toFixed(1)}–${Math.max(...fps).toFixed(1)} fps at ${heights} px high, ` +
    `renderer CPU ${renderer} %, Janus ${sample.janusCpuPercent.toFixed(0)} %, machine idle ${sample.machineIdlePercent.toFixed(0)} %, other processes ${sample.otherCpuPercent.toFixed(0)} %`
  );
}
