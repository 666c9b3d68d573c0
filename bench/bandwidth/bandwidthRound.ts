/**
 * One round of the bandwidth benchmark: every page browser opens the
 * meeting page and joins one room with its camera and no microphone; once each page decodes every other
 * page's camera and the senders have had time to reach their bitrate, one
 * window measures each page's downlink, decoded frames, sent layers and
 * CPU, with Janus's CPU and the whole machine's idle share beside them.
 */
import { cpus } from 'node:os';
import type { BrowserContext } from 'playwright-core';
import { newContext } from '../../test/support/browser.js';
import { joinMeeting, waitFor } from '../../test/support/meetingPage.js';
import { sleep } from '../../src/support/time.js';
import type { MediaStack } from '../lib/mediaStack.js';
import { CpuMeter, GroupCpuMeter, MachineIdleMeter, descendantPids } from '../lib/processUsage.js';
import { decodingStreams, readPageTotals, windowRates, type PageRates } from './pageCounters.js';
import type { PageBrowser } from './pageBrowser.js';

export interface RoundTiming {
  /** From every page decoding every camera to the window: bandwidth estimates ramp up, layers settle. */
  warmUpMs: number;
  measureMs: number;
}

export interface PageSample extends PageRates {
  /** The page's renderer processes, % of one core. */
  rendererCpuPercent: number;
  /** All of the page's browser's processes (renderer, GPU, capture, network), % of one core. */
  browserCpuPercent: number;
}

export interface RoundSample {
  simulcast: boolean;
  pages: PageSample[];
  janusCpuPercent: number;
  /** The whole machine (all cores) during the window. */
  machineIdlePercent: number;
  /** What processes outside this benchmark (not it nor any process it started) used meanwhile, % of one core. */
  otherCpuPercent: number;
}

const ALL_DECODING_TIMEOUT_MS = 30_000;

export async function measureRound(stack: MediaStack, simulcast: boolean, browsers: readonly PageBrowser[], timing: RoundTiming, room: string): Promise<RoundSample> {
  const contexts: BrowserContext[] = [];
  try {
    const pages = [];
    // One after another, as people join: the pages' starts do not all compete for the CPU at once.
    for (const [index, pageBrowser] of browsers.entries()) {
      const context = await newContext(pageBrowser.browser);
      contexts.push(context);
      const page = await context.newPage();
      await joinMeeting(page, stack.url, `Page ${index + 1}`, room, { microphone: false });
      pages.push(page);
    }
    const remote = browsers.length - 1;
    for (const [index, page] of pages.entries()) {
      const totals = await waitFor(() => readPageTotals(page), (t) => decodingStreams(t) === remote, ALL_DECODING_TIMEOUT_MS);
      if (decodingStreams(totals) !== remote) throw new Error(`page ${index + 1} decodes ${decodingStreams(totals)} of ${remote} cameras`);
    }
    await sleep(timing.warmUpMs);

    const renderers = browsers.map((b) => new GroupCpuMeter(b.renderers()));
    const wholeBrowsers = browsers.map((b) => new GroupCpuMeter(b.processes()));
    const janus = new CpuMeter(stack.janusPid);
    const machine = new MachineIdleMeter();
    const benchmark = new GroupCpuMeter([process.pid, ...descendantPids(process.pid)]);
    const start = await Promise.all(pages.map(readPageTotals));
    await sleep(timing.measureMs);
    const end = await Promise.all(pages.map(readPageTotals));
    const machineIdlePercent = machine.idlePercent();
    const janusCpuPercent = janus.percentOfOneCore();
    const busyPercentOfOneCore = (100 - machineIdlePercent) * cpus().length;
    return {
      simulcast,
      pages: pages.map((_, index) => ({
        ...windowRates(start[index]!, end[index]!),
        rendererCpuPercent: renderers[index]!.percentOfOneCore(),
        browserCpuPercent: wholeBrowsers[index]!.percentOfOneCore(),
      })),
      janusCpuPercent,
      machineIdlePercent,
      otherCpuPercent: Math.max(0, busyPercentOfOneCore - benchmark.percentOfOneCore()),
    };
  } finally {
    await Promise.all(contexts.map((context) => context.close()));
  }
}
