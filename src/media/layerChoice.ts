/**
 * Which simulcast layer a page receives of a video feed: the smallest that
 * still covers the tile it is shown in (so a thumbnail never costs a
 * full-resolution stream), none for a tile that is not on screen, the top
 * layer for a tile the page emphasizes (pinned, full screen), and the lowest
 * frame rate when the page asks to save bandwidth.
 *
 * Publishers send three layers at 1/4, 1/2 and full resolution (see
 * client/Publisher.ts); Janus numbers them 0, 1, 2 from the smallest.
 */

/** The picture a feed is published with: its full size, and whether it has the three layers. */
export interface VideoSource {
  width: number;
  height: number;
  simulcast: boolean;
}

/** How a page shows a feed: the tile's size in device pixels; a lower frame rate when saving bandwidth; the top layer for a pinned or full-screen tile. */
export interface VideoWant {
  width: number;
  height: number;
  lowFrameRate: boolean;
  top?: boolean;
}

export interface LayerChoice {
  send: boolean;
  substream?: number;
  temporal?: number;
}

/** Scale of each layer against the full picture, smallest first. */
export const LAYER_SCALES = [4, 2, 1] as const;
/** A layer this much smaller than the tile still looks sharp enough there (video is scaled up a little). */
const UPSCALE_TOLERANCE = 1.25;
const ALL_TEMPORAL_LAYERS = 2;

export function chooseLayer(source: VideoSource | undefined, want: VideoWant | undefined): LayerChoice {
  if (!want || want.width <= 0 || want.height <= 0) return { send: false };
  if (!source?.simulcast) return { send: true };
  const covers = (scale: number): boolean =>
    (source.width / scale) * UPSCALE_TOLERANCE >= want.width && (source.height / scale) * UPSCALE_TOLERANCE >= want.height;
  const index = want.top ? -1 : LAYER_SCALES.findIndex(covers);
  return { send: true, substream: index === -1 ? LAYER_SCALES.length - 1 : index, temporal: want.lowFrameRate ? 0 : ALL_TEMPORAL_LAYERS };
}
