/** One arm of the bandwidth benchmark (simulcast on, or off) summed up over its rounds. */
import { summarize, type Summary } from '../lib/stats.js';
import type { RoundSample } from './bandwidthRound.js';

export interface LayerSummary {
  /** 'h', 'm', 'l' (full, half, quarter size), or 'single' without simulcast. */
  rid: string;
  frameHeight: Summary;
  framesPerSecond: Summary;
  bitrateBps: Summary;
}

export interface ArmSummary {
  simulcast: boolean;
  rounds: number;
  /** Per page and round: all the page's receiving connection got (video: the pages have no microphones). */
  downlinkBps: Summary;
  /** Per remote video stream, page and round. */
  decodedFps: Summary;
  /** Per remote video stream, page and round: the height of the picture that arrived (which layer). */
  receivedHeight: Summary;
  /** Per page and round: frames its camera delivered to its encoder. */
  capturedFps: Summary;
  /** The frame rate sent of the layer the pages received (the one nearest the height they got), per page and round. */
  sentFpsOfReceivedLayer: Summary;
  /** Per page and round: what its camera's connection sent, layer by layer. */
  layers: LayerSummary[];
  /** Per page and round: the share of the window its encoder was held back by the CPU (its most limited layer), %. */
  encoderCpuLimitedPercent: Summary;
  rendererCpuPercent: Summary;
  browserCpuPercent: Summary;
  /** Per round. */
  janusCpuPercent: Summary;
  machineIdlePercent: Summary;
  /** Per round: processes outside the benchmark, % of one core (the machine is shared). */
  otherCpuPercent: Summary;
}

export function summarizeArm(rounds: RoundSample[], simulcast: boolean): ArmSummary {
  const pages = rounds.flatMap((round) => round.pages);
  const allLayers = pages.flatMap((page) => page.layers);
  const rids = [...new Set(allLayers.map((layer) => layer.rid))].sort();
  const layers = rids.map((rid): LayerSummary => {
    const sent = allLayers.filter((layer) => layer.rid === rid);
    return {
      rid,
      frameHeight: summarize(sent.map((layer) => layer.frameHeight)),
      framesPerSecond: summarize(sent.map((layer) => layer.framesPerSecond)),
      bitrateBps: summarize(sent.map((layer) => layer.bitrateBps)),
    };
  });
  const receivedHeight = summarize(pages.flatMap((page) => page.receivedHeights));
  // The sent layer nearest in size to what arrived (a single layer may have changed size within the window).
  const distance = (layer: LayerSummary) => Math.abs(layer.frameHeight.median - receivedHeight.median);
  const receivedLayer = layers.reduce<LayerSummary | undefined>((best, layer) => (best && distance(best) <= distance(layer) ? best : layer), undefined)?.rid;
  return {
    simulcast,
    rounds: rounds.length,
    downlinkBps: summarize(pages.map((page) => page.downlinkBps)),
    decodedFps: summarize(pages.flatMap((page) => page.decodedFps)),
    receivedHeight,
    capturedFps: summarize(pages.map((page) => page.capturedFps)),
    sentFpsOfReceivedLayer: summarize(pages.flatMap((page) => page.layers.filter((layer) => layer.rid === receivedLayer).map((layer) => layer.framesPerSecond))),
    layers,
    encoderCpuLimitedPercent: summarize(pages.map((page) => Math.max(0, ...page.layers.map((layer) => layer.cpuLimitedShare)) * 100)),
    rendererCpuPercent: summarize(pages.map((page) => page.rendererCpuPercent)),
    browserCpuPercent: summarize(pages.map((page) => page.browserCpuPercent)),
    janusCpuPercent: summarize(rounds.map((round) => round.janusCpuPercent)),
    machineIdlePercent: summarize(rounds.map((round) => round.machineIdlePercent)),
    otherCpuPercent: summarize(rounds.map((round) => round.otherCpuPercent)),
  };
}
