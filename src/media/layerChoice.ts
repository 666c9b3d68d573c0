/**
 * Which simulcast layer a page receives of a video feed: the smallest that
 * still covers the tile it is shown in (so a thumbnail never costs a
 * full-resolution stream), none for a tile that is not on screen, the top
 * layer for a tile the page emphasizes (pinned, full screen), and lower
 * layers and half the frames when the page's downlink needs it.
 * The layers themselves are in protocol/layers.ts.
 */
import { coveringLayer, TOP_LAYER } from '../protocol/layers.js';

/** The picture a feed is published with: its full size, and whether it has the three layers. */
export interface VideoSource {
  width: number;
  height: number;
  simulcast: boolean;
}

/**
 * How a page shows a feed: the tile's size in device pixels; the top layer
 * for a pinned or full-screen tile; and, when its downlink runs short,
 * `lower` layers below that (as far as there are) and a lower frame rate.
 */
export interface VideoWant {
  width: number;
  height: number;
  lowFrameRate: boolean;
  top?: boolean;
  lower?: number;
}

export interface LayerChoice {
  send: boolean;
  substream?: number;
  temporal?: number;
}

const ALL_TEMPORAL_LAYERS = 2;
/** Half the frames: the lowest temporal layer alone (a quarter) freezes a tile for whole seconds when its sender is slow. */
const FEWER_FRAMES_TEMPORAL_LAYER = 1;

export function chooseLayer(source: VideoSource | undefined, want: VideoWant | undefined): LayerChoice {
  if (!want || want.width <= 0 || want.height <= 0) return { send: false };
  if (!source?.simulcast) return { send: true };
  const needed = want.top ? TOP_LAYER : coveringLayer(source, want);
  return { send: true, substream: Math.max(needed - (want.lower ?? 0), 0), temporal: want.lowFrameRate ? FEWER_FRAMES_TEMPORAL_LAYER : ALL_TEMPORAL_LAYERS };
}
