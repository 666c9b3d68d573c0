/**
 * Tells the server which remote tiles show video and how big they are on
 * screen (in device pixels), whenever that changes: a tile is added, hidden,
 * resized, pinned or put full screen, its first picture arrives, or the tab
 * is hidden (then no tile needs video). The downlink monitor can ask for
 * less: lower layers than the tiles need, or fewer frames.
 *
 * A tile without a picture yet asks for the smallest: a publisher that has
 * just started sends its small layer first (its larger ones wait for its
 * bandwidth estimate to grow), so the first picture shows soonest, and the
 * tile asks for its size once it has it.
 */
import { CAMERA_SIZE, coveringLayer, TOP_LAYER } from '../../protocol/layers.js';
import type { TileView } from '../../protocol/messages.js';
import type { ShownTile } from './TileGrid.js';

/** Changes that come in a burst (a resize, several joins) are sent once. */
const SETTLE_MS = 120;
/** What a tile still waiting for its first picture asks for: the smallest layer there is. */
const FIRST_PICTURE = 1;

/**
 * What the downlink carries: every tile `lower` layers below the one it
 * needs (as far as there are), at half the frame rate if `lowFrameRate`;
 * except the first `promoted` tiles that a step up changes (emphasized ones
 * first), which get a layer more at the full frame rate: the link is being
 * tried a tile at a time.
 */
export interface DownlinkQuality {
  lower: number;
  lowFrameRate: boolean;
  promoted: number;
}

/** What the tiles on screen leave the downlink monitor to work with. */
export interface LayerLadder {
  /** The most layers any tile on screen can go below the one it needs. */
  depth: number;
  /** How many tiles on screen a step up from `lower` changes. */
  climbable(lower: number): number;
}

const FULL: DownlinkQuality = { lower: 0, lowFrameRate: false, promoted: 0 };

export class ViewReporter {
  private quality: DownlinkQuality = FULL;
  private timer: number | undefined;
  private sent = '';
  private readonly resizes = new ResizeObserver(() => this.schedule());
  private readonly watched = new WeakSet<HTMLVideoElement>();

  constructor(
    private readonly shown: () => ShownTile[],
    private readonly send: (tiles: TileView[]) => void,
  ) {
    document.addEventListener('visibilitychange', () => this.schedule());
    document.addEventListener('fullscreenchange', () => this.schedule());
  }

  /** The downlink's quality changed: reported at once, as a congested link cannot wait. */
  setQuality(quality: DownlinkQuality): void {
    this.quality = quality;
    this.reportNow();
  }

  /** The tiles may have changed: report them once things settle. */
  schedule(): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.report(), SETTLE_MS);
  }

  /** Reports at once (the first tiles of a join should not wait). */
  reportNow(): void {
    window.clearTimeout(this.timer);
    this.report();
  }

  /** Reports again even if nothing changed (after a reconnect, the server knows nothing). */
  forget(): void {
    this.sent = '';
  }

  private watch(video: HTMLVideoElement): void {
    this.resizes.observe(video);
    if (this.watched.has(video)) return;
    this.watched.add(video);
    // The first picture (and a picture of another size) changes what the tile needs.
    video.addEventListener('resize', () => this.schedule());
  }

  ladder(): LayerLadder {
    const needed = this.sized(this.shown()).map((tile) => tile.needed);
    return { depth: Math.max(0, ...needed), climbable: (lower) => needed.filter((layer) => layer >= lower).length };
  }

  /** The tiles on screen, emphasized ones first, with their size in device pixels and the layer that size needs. */
  private sized(shown: ShownTile[]) {
    const ratio = window.devicePixelRatio || 1;
    const byPriority = [...shown.filter((tile) => tile.emphasized), ...shown.filter((tile) => !tile.emphasized)];
    return byPriority.map((tile) => {
      const pictured = tile.video.videoWidth > 0;
      const size = pictured ? { width: Math.round(tile.video.clientWidth * ratio), height: Math.round(tile.video.clientHeight * ratio) } : { width: FIRST_PICTURE, height: FIRST_PICTURE };
      const top = tile.emphasized && pictured;
      return { ...tile, size, top, needed: top ? TOP_LAYER : coveringLayer(CAMERA_SIZE, size) };
    });
  }

  private report(): void {
    const shown = document.hidden ? [] : this.shown();
    this.resizes.disconnect();
    for (const { video } of shown) this.watch(video);
    const { lower, lowFrameRate, promoted } = this.quality;
    let promotions = promoted;
    const tiles = this.sized(shown).map(({ participantId, feed, size, top, needed }): TileView => {
      const promote = promotions > 0 && lower > 0 && needed >= lower;
      if (promote) promotions -= 1;
      const tileLower = promote ? lower - 1 : lower;
      return {
        participantId,
        feed,
        ...size,
        ...(lowFrameRate && !promote ? { lowFrameRate } : {}),
        ...(top ? { top } : {}),
        ...(tileLower > 0 ? { lower: tileLower } : {}),
      };
    });
    const text = JSON.stringify(tiles);
    if (text === this.sent) return;
    this.sent = text;
    this.send(tiles);
  }
}
