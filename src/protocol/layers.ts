/**
 * The simulcast layers a camera publishes (client/session/Publisher.ts) and
 * which of them covers a tile: the server picks each subscription's layer
 * with it (media/layerChoice.ts), and the page knows with it how many
 * layers below what a tile needs are left to fall back on when its
 * downlink runs short (client/view/ViewReporter.ts).
 */

export interface PictureSize {
  width: number;
  height: number;
}

/** The size cameras are asked for: their top layer, unless the camera cannot do it. */
export const CAMERA_SIZE: PictureSize = { width: 1280, height: 720 };
/** Scale of each layer against the full picture, smallest first: Janus numbers them 0, 1, 2. */
export const LAYER_SCALES = [4, 2, 1] as const;
export const TOP_LAYER = LAYER_SCALES.length - 1;
/** A layer this much smaller than the tile still looks sharp enough there (video is scaled up a little). */
const UPSCALE_TOLERANCE = 1.25;

/** The smallest layer of `source` that covers a tile of `tile` device pixels; the top one if none does. */
export function coveringLayer(source: PictureSize, tile: PictureSize): number {
  const covers = (scale: number): boolean =>
    (source.width / scale) * UPSCALE_TOLERANCE >= tile.width && (source.height / scale) * UPSCALE_TOLERANCE >= tile.height;
  const index = LAYER_SCALES.findIndex(covers);
  return index === -1 ? TOP_LAYER : index;
}
