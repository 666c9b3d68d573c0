/**
 * Join time, three ways in one run, interleaved so they share the machine's
 * conditions: through the meeting page and our server, through a client
 * that talks to Janus directly, and the server's own share measured with a
 * WebSocket client. The overhead ratio is meeting page over direct client.
 */
import { launchBrowser } from '../../test/support/browser.js';
import type { MediaStack } from '../lib/mediaStack.js';
import { makeCannedOffer } from '../lib/cannedOffer.js';
import { progress } from '../lib/progress.js';
import { summarize, type Summary } from '../lib/stats.js';
import { joinThroughConvene } from './conveneJoin.js';
import { serveDirectClient } from './directClientServer.js';
import { joinDirectlyOnJanus } from './directJoin.js';
import { keepRoomOpen, measureServerShare, type ServerShareSample } from './serverShare.js';

export interface JoinResult {
  /** Click on "Join" to the first decoded remote video frame, meeting page through our server. */
  convene: Summary;
  /** The same through the direct-to-Janus client. */
  direct: Summary;
  /** convene median / direct median. */
  overheadRatio: number;
  serverShare: Summary;
  serverShareParts: { joinCallMs: Summary; welcomeMs: Summary; publishToAnswerMs: Summary };
  failures: string[];
}

export async function runJoin(stack: MediaStack, runs: number): Promise<JoinResult> {
  const browser = await launchBrowser();
  const directServer = await serveDirectClient();
  const offer = await makeCannedOffer();
  const host = await keepRoomOpen(stack.url, 'server-share');
  const convene: number[] = [];
  const direct: number[] = [];
  const server: ServerShareSample[] = [];
  const failures: string[] = [];
  const target = { pageUrl: directServer.url, janusUrl: stack.janusUrl, apiSecret: stack.janusApiSecret };
  try {
    for (let run = 1; run <= runs; run++) {
      const attempt = async (label: string, measure: () => Promise<void>) => {
        try {
          await measure();
        } catch (error) {
          failures.push(`run ${run} ${label}: ${(error as Error).message.split('\n')[0]}`);
        }
      };
      await attempt('convene', async () => void convene.push(await joinThroughConvene(browser, stack.url, `join-${run}-${Date.now()}`)));
      await attempt('direct', async () => void direct.push(await joinDirectlyOnJanus(browser, target)));
      await attempt('server share', async () => void server.push(await measureServerShare(stack.url, 'server-share', offer, `guest-${run}`)));
      progress('join', `run ${run}/${runs}: meeting page ${fmt(convene[convene.length - 1])} ms, direct ${fmt(direct[direct.length - 1])} ms, server share ${fmt(server[server.length - 1]?.totalMs)} ms`);
    }
  } finally {
    await host.leave();
    await directServer.close();
    await browser.close();
  }
  const conveneSummary = summarize(convene);
  const directSummary = summarize(direct);
  return {
    convene: conveneSummary,
    direct: directSummary,
    overheadRatio: conveneSummary.median / directSummary.median,
    serverShare: summarize(server.map((s) => s.totalMs)),
    serverShareParts: {
      joinCallMs: summarize(server.map((s) => s.joinCallMs)),
      welcomeMs: summarize(server.map((s) => s.welcomeMs)),
      publishToAnswerMs: summarize(server.map((s) => s.publishToAnswerMs)),
    },
    failures,
  };
}

function fmt(value: number | undefined): string {
  return value === undefined ? '–' : value.toFixed(0);
}
