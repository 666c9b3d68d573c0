/**
 * Tells the server which remote tiles show video and how big they are on
 * screen (in device pixels), whenever that changes: a tile is added, hidden,
 * resized, pinned or put full screen, its first picture arrives, or the tab
 * is hidden (then no tile needs video). The downlink monitor can ask for
 * less: smaller layers, or fewer frames.
 *
 * A tile without a picture yet asks for the smallest: a publisher that has
 * just started sends its small layer first (its larger ones wait for its
 * bandwidth estimate to grow), so the first picture shows soonest, and the
 * tile asks for its size once it has it.
 */
import type { TileView } from '../../protocol/messages.js';
import type { ShownTile } from './TileGrid.js';

/** Changes that come in a burst (a resize, several joins) are sent once. */
const SETTLE_MS = 120;
/** What a tile still waiting for its first picture asks for: the smallest layer there is. */
const FIRST_PICTURE = 1;

export interface DownlinkQuality {
  /** Multiplies every tile's size: 1 as shown, 0.5 asks for the next smaller layer, and so on. */
  scale: number;
  lowFrameRate: boolean;
}

export class ViewReporter {
  private quality: DownlinkQuality = { scale: 1, lowFrameRate: false };
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

  setQuality(quality: DownlinkQuality): void {
    this.quality = quality;
    this.schedule();
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

  private report(): void {
    const shown = document.hidden ? [] : this.shown();
    this.resizes.disconnect();
    for (const { video } of shown) this.watch(video);
    const ratio = window.devicePixelRatio || 1;
    const { scale, lowFrameRate } = this.quality;
    const tiles = shown.map(({ participantId, feed, video, emphasized }): TileView => {
      const pictured = video.videoWidth > 0;
      return {
        participantId,
        feed,
        width: pictured ? Math.round(video.clientWidth * ratio * scale) : FIRST_PICTURE,
        height: pictured ? Math.round(video.clientHeight * ratio * scale) : FIRST_PICTURE,
        ...(lowFrameRate ? { lowFrameRate } : {}),
        // An emphasized tile gets the best picture, unless the downlink cannot carry it.
        ...(emphasized && pictured && scale === 1 ? { top: true } : {}),
      };
    });
    const text = JSON.stringify(tiles);
    if (text === this.sent) return;
    this.sent = text;
    this.send(tiles);
  }
}
