/**
 * Join time, three ways in one run, interleaved so they share the machine's
 * conditions: through the meeting page and our server, through a client
 * that talks to Janus directly, and the server's own share measured with a
 * WebSocket client. Each join is timed both ways (the joiner sees the
 * room, the room sees the joiner); the ratios are meeting page over direct
 * client, one per way.
 */
import { launchBrowser } from '../../test/support/browser.js';
import type { MediaStack } from '../lib/mediaStack.js';
import { makeCannedOffer } from '../lib/cannedOffer.js';
import { progress } from '../lib/progress.js';
import { summarize, type Summary } from '../lib/stats.js';
import { joinThroughConvene } from './conveneJoin.js';
import type { JoinSample } from './twoPageJoin.js';
import { serveDirectClient } from './directClientServer.js';
import { joinDirectlyOnJanus } from './directJoin.js';
import { keepRoomOpen, measureServerShare, type ServerShareSample } from './serverShare.js';

/** One way of a join, timed for both clients. */
export interface JoinWay {
  /** Meeting page through our server. */
  convene: Summary;
  /** The same through the direct-to-Janus client. */
  direct: Summary;
  /** convene median / direct median. */
  ratio: number;
}

export interface JoinResult {
  /** Click on "Join" to the joiner's first decoded video frame of the page already in the room. */
  joinerSeesRoom: JoinWay;
  /** The same click to that page's first decoded frame of the joiner. */
  roomSeesJoiner: JoinWay;
  serverShare: Summary;
  serverShareParts: { joinCallMs: Summary; welcomeMs: Summary; publishToAnswerMs: Summary };
  failures: string[];
}

export async function runJoin(stack: MediaStack, runs: number): Promise<JoinResult> {
  const browser = await launchBrowser();
  const directServer = await serveDirectClient();
  const offer = await makeCannedOffer();
  const host = await keepRoomOpen(stack.url, 'server-share');
  const convene: JoinSample[] = [];
  const direct: JoinSample[] = [];
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
      const [page, bare] = [convene.at(-1), direct.at(-1)];
      progress(
        'join',
        `run ${run}/${runs}: joiner sees the room: meeting page ${fmt(page?.joinerSeesRoomMs)} ms, direct ${fmt(bare?.joinerSeesRoomMs)} ms; ` +
          `the room sees the joiner: meeting page ${fmt(page?.roomSeesJoinerMs)} ms, direct ${fmt(bare?.roomSeesJoinerMs)} ms; server share ${fmt(server.at(-1)?.totalMs)} ms`,
      );
    }
  } finally {
    await host.leave();
    await directServer.close();
    await browser.close();
  }
  return {
    joinerSeesRoom: way(convene, direct, (sample) => sample.joinerSeesRoomMs),
    roomSeesJoiner: way(convene, direct, (sample) => sample.roomSeesJoinerMs),
    serverShare: summarize(server.map((s) => s.totalMs)),
    serverShareParts: {
      joinCallMs: summarize(server.map((s) => s.joinCallMs)),
      welcomeMs: summarize(server.map((s) => s.welcomeMs)),
      publishToAnswerMs: summarize(server.map((s) => s.publishToAnswerMs)),
    },
    failures,
  };
}

function way(convene: JoinSample[], direct: JoinSample[], pick: (sample: JoinSample) => number): JoinWay {
  const [page, bare] = [summarize(convene.map(pick)), summarize(direct.map(pick))];
  return { convene: page, direct: bare, ratio: page.median / bare.median };
}

function fmt(value: number | undefined): string {
  return value === undefined ? '–' : value.toFixed(0);
}
