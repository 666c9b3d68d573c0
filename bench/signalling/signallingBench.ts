/**
 * Signalling capacity of the app server, without media: how many joins per
 * second it sustains (clients that join, negotiate and leave, several at
 * once), and how much memory each connected participant costs it.
 */
import { sleep } from '../../src/support/time.js';
import type { ConveneClient } from '../../test/support/conveneClient.js';
import type { MediaStack } from '../lib/mediaStack.js';
import { makeCannedOffer } from '../lib/cannedOffer.js';
import { CpuMeter, residentBytes } from '../lib/processUsage.js';
import { progress } from '../lib/progress.js';
import { summarize, type Summary } from '../lib/stats.js';
import { joinAndNegotiate } from './negotiatingClient.js';

export interface SignallingOptions {
  /** Clients joining and leaving at the same time. */
  concurrency: number;
  durationMs: number;
  /** Connected participants at each memory reading. */
  memorySteps: number[];
  participantsPerRoom: number;
}

export interface MemoryPoint {
  participants: number;
  serverRssBytes: number;
  janusRssBytes: number;
}

export interface SignallingResult {
  joinsPerSecond: number;
  completedJoins: number;
  failedJoins: number;
  concurrency: number;
  /** One client's join, negotiate and leave, under that load. */
  joinCycleMs: Summary;
  serverCpuPercent: number;
  janusCpuPercent: number;
  /** This process (every client): near 100 % means the clients, not the server, set the pace. */
  loadGeneratorCpuPercent: number;
  memory: MemoryPoint[];
  /** Slope of server RSS over connected participants (least squares). */
  serverBytesPerParticipant: number;
  janusBytesPerParticipant: number;
}

const SETTLE_MS = 2_000;

export async function runSignalling(stack: MediaStack, options: SignallingOptions): Promise<SignallingResult> {
  const offer = await makeCannedOffer();
  const memory = await measureMemory(stack, offer, options);
  const throughput = await measureThroughput(stack, offer, options);
  return {
    ...throughput,
    memory,
    serverBytesPerParticipant: slope(memory.map((p) => [p.participants, p.serverRssBytes])),
    janusBytesPerParticipant: slope(memory.map((p) => [p.participants, p.janusRssBytes])),
  };
}

async function measureMemory(stack: MediaStack, offer: string, options: SignallingOptions): Promise<MemoryPoint[]> {
  const connected: ConveneClient[] = [];
  const points: MemoryPoint[] = [];
  const read = (participants: number): MemoryPoint => ({
    participants,
    serverRssBytes: residentBytes(stack.serverPid),
    janusRssBytes: residentBytes(stack.janusPid),
  });
  try {
    // Warm up code paths (JIT, pools) so the first step does not pay for them.
    await connectMore(stack, offer, connected, 20, options.participantsPerRoom, 'warm-up');
    await Promise.all(connected.splice(0).map((client) => client.leave()));
    await sleep(SETTLE_MS);
    points.push(read(0));
    for (const step of options.memorySteps) {
      await connectMore(stack, offer, connected, step - connected.length, options.participantsPerRoom, 'memory');
      await sleep(SETTLE_MS);
      points.push(read(connected.length));
      progress('signalling', `${connected.length} participants connected: server RSS ${(points[points.length - 1]!.serverRssBytes / 2 ** 20).toFixed(1)} MiB`);
    }
  } finally {
    await Promise.all(connected.map((client) => client.leave().catch(() => undefined)));
  }
  return points;
}

async function connectMore(stack: MediaStack, offer: string, connected: ConveneClient[], count: number, perRoom: number, prefix: string): Promise<void> {
  const batch = 10;
  for (let done = 0; done < count; done += batch) {
    const joins = Array.from({ length: Math.min(batch, count - done) }, () => {
      const index = connected.length;
      return joinAndNegotiate(stack.url, `${prefix}-${Math.floor(index / perRoom)}`, `p${index}`, offer).then((client) => void connected.push(client));
    });
    await Promise.all(joins);
  }
}

async function measureThroughput(stack: MediaStack, offer: string, options: SignallingOptions) {
  progress('signalling', `joins per second: ${options.concurrency} clients joining, negotiating and leaving for ${options.durationMs / 1000} s`);
  const cycles: number[] = [];
  let failed = 0;
  const serverCpu = new CpuMeter(stack.serverPid);
  const janusCpu = new CpuMeter(stack.janusPid);
  const ownCpu = new CpuMeter(process.pid);
  const started = performance.now();
  const deadline = started + options.durationMs;
  const worker = async (id: number): Promise<void> => {
    for (let cycle = 0; performance.now() < deadline; cycle++) {
      const cycleStart = performance.now();
      try {
        // A few rooms, each kept alive by the others' joins, as in a busy server.
        const client = await joinAndNegotiate(stack.url, `throughput-${id % 4}`, `w${id}-${cycle}`, offer);
        await client.leave();
        cycles.push(performance.now() - cycleStart);
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, id) => worker(id)));
  const elapsedS = (performance.now() - started) / 1000;
  return {
    joinsPerSecond: cycles.length / elapsedS,
    completedJoins: cycles.length,
    failedJoins: failed,
    concurrency: options.concurrency,
    joinCycleMs: summarize(cycles),
    serverCpuPercent: serverCpu.percentOfOneCore(),
    janusCpuPercent: janusCpu.percentOfOneCore(),
    loadGeneratorCpuPercent: ownCpu.percentOfOneCore(),
  };
}

function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const meanX = points.reduce((s, [x]) => s + x, 0) / n;
  const meanY = points.reduce((s, [, y]) => s + y, 0) / n;
  const covariance = points.reduce((s, [x, y]) => s + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((s, [x]) => s + (x - meanX) ** 2, 0);
  return variance > 0 ? covariance / variance : 0;
}
