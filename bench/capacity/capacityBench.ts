/**
 * Media capacity: one room with N synthetic participants, each publishing
 * audio and video at a fixed rate and subscribing to everyone else, all
 * through the app server and one Janus. Per N: Janus's and the app server's
 * CPU, the app server's memory, loss and forwarding delay at the subscribers.
 */
import { sleep } from '../../src/support/time.js';
import type { MediaStack } from '../lib/mediaStack.js';
import { CpuMeter, residentBytes } from '../lib/processUsage.js';
import { progress } from '../lib/progress.js';
import { summarize, type Summary } from '../lib/stats.js';
import { DeliveryRecorder } from './deliveryRecorder.js';
import { MediaClock } from '../../test/support/synthetic/mediaClock.js';
import { payloadBitrateBps, SYNTHETIC_MEDIA, type StreamKind } from '../../test/support/synthetic/probePackets.js';
import { SyntheticParticipant } from '../../test/support/synthetic/syntheticParticipant.js';

export interface CapacityOptions {
  sizes: number[];
  measureMs: number;
  warmUpMs: number;
}

export interface CapacityPoint {
  participants: number;
  /** Streams Janus forwards: each participant's audio and video to each of the others. */
  forwardedStreams: number;
  subscriptionsReceiving: number;
  subscriptionsExpected: number;
  packetsExpected: number;
  packetsReceived: number;
  lossPercent: number;
  forwardingDelayMs: Summary;
  janusCpuPercent: number;
  serverCpuPercent: number;
  serverRssBytes: number;
  janusRssBytes: number;
  /** This process (every synthetic peer): near 100 % means the load generator, not Janus, may limit the result. */
  loadGeneratorCpuPercent: number;
}

export interface CapacityResult {
  media: Record<StreamKind, { packetsPerSecond: number; payloadBytes: number; payloadBitrateBps: number }>;
  points: CapacityPoint[];
  /** Largest N whose loss stayed under 1 %; undefined if even the smallest did not. */
  largestUnderOnePercentLoss: number | undefined;
}

const ALL_SUBSCRIBED_TIMEOUT_MS = 90_000;
const LATE_PACKET_GRACE_MS = 1_000;

export async function runCapacity(stack: MediaStack, options: CapacityOptions): Promise<CapacityResult> {
  const points: CapacityPoint[] = [];
  for (const size of options.sizes) {
    progress('capacity', `N=${size}: joining ${size} synthetic participants`);
    points.push(await measureRoom(stack, size, options));
    const point = points[points.length - 1]!;
    progress('capacity', `N=${size}: loss ${point.lossPercent.toFixed(2)} %, Janus CPU ${point.janusCpuPercent.toFixed(0)} %, delay median ${point.forwardingDelayMs.median.toFixed(1)} ms`);
    await sleep(2_000); // let Janus tear the room's handles down before the next size
  }
  const underOnePercent = points.filter((p) => p.lossPercent < 1 && p.subscriptionsReceiving === p.subscriptionsExpected);
  return {
    media: {
      audio: { ...SYNTHETIC_MEDIA.audio, payloadBitrateBps: payloadBitrateBps('audio') },
      video: { ...SYNTHETIC_MEDIA.video, payloadBitrateBps: payloadBitrateBps('video') },
    },
    points,
    largestUnderOnePercentLoss: underOnePercent.length ? Math.max(...underOnePercent.map((p) => p.participants)) : undefined,
  };
}

async function measureRoom(stack: MediaStack, size: number, options: CapacityOptions): Promise<CapacityPoint> {
  const room = `capacity-${size}-${Date.now()}`;
  const recorder = new DeliveryRecorder();
  const participants = await Promise.all(
    Array.from({ length: size }, (_, index) => SyntheticParticipant.join(stack.url, room, index, { sink: recorder.sinkFor(index) })),
  );
  const clock = new MediaClock(participants);
  clock.start();
  try {
    const expectedSubscriptions = size * (size - 1);
    const receiving = () => participants.reduce((sum, p) => sum + p.subscriptionsReceiving, 0);
    const deadline = Date.now() + ALL_SUBSCRIBED_TIMEOUT_MS;
    while (receiving() < expectedSubscriptions && Date.now() < deadline) await sleep(250);
    progress('capacity', `N=${size}: ${receiving()}/${expectedSubscriptions} subscriptions receiving; warming up, then measuring ${options.measureMs / 1000} s`);
    await sleep(options.warmUpMs);

    const janusCpu = new CpuMeter(stack.janusPid);
    const serverCpu = new CpuMeter(stack.serverPid);
    const ownCpu = new CpuMeter(process.pid);
    const fromMs = performance.now();
    recorder.open(fromMs);
    await sleep(options.measureMs);
    const toMs = performance.now();
    recorder.closeWindow(toMs);
    const cpu = { janus: janusCpu.percentOfOneCore(), server: serverCpu.percentOfOneCore(), own: ownCpu.percentOfOneCore() };
    const memory = { server: residentBytes(stack.serverPid), janus: residentBytes(stack.janusPid) };
    await sleep(LATE_PACKET_GRACE_MS);
    recorder.stop();

    const sentPerPublisher = participants.map((p) => p.sentBetween('audio', fromMs, toMs) + p.sentBetween('video', fromMs, toMs));
    const packetsExpected = sentPerPublisher.reduce((sum, sent) => sum + sent * (size - 1), 0);
    return {
      participants: size,
      forwardedStreams: expectedSubscriptions * 2,
      subscriptionsReceiving: receiving(),
      subscriptionsExpected: expectedSubscriptions,
      packetsExpected,
      packetsReceived: recorder.received,
      lossPercent: packetsExpected > 0 ? (1 - recorder.received / packetsExpected) * 100 : 0,
      forwardingDelayMs: summarize(recorder.delays()),
      janusCpuPercent: cpu.janus,
      serverCpuPercent: cpu.server,
      serverRssBytes: memory.server,
      janusRssBytes: memory.janus,
      loadGeneratorCpuPercent: cpu.own,
    };
  } finally {
    clock.stop();
    await Promise.all(participants.map((p) => p.leave()));
  }
}
