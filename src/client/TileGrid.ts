/**
 * The grid of video tiles: one per participant's camera (named, even before
 * its video arrives), one per screenshare, and our own mirrored self-view.
 * Laid out as the seed does: rows = round(sqrt(n)), columns = ceil(n / rows).
 */
import type { FeedKind } from '../protocol/messages.js';

export interface TileInfo {
  participantId: string;
  feed: FeedKind;
  name: string;
  self?: boolean;
}

export class TileGrid {
  private readonly tiles = new Map<string, HTMLElement>();

  constructor(private readonly container: HTMLElement) {
    new ResizeObserver(() => this.layout()).observe(container);
  }

  static key(participantId: string, feed: FeedKind): string {
    return `${participantId}:${feed}`;
  }

  upsert(info: TileInfo): HTMLElement {
    const key = TileGrid.key(info.participantId, info.feed);
    let tile = this.tiles.get(key);
    if (!tile) {
      tile = document.createElement('figure');
      tile.className = `tile ${info.feed}${info.self ? ' self' : ''}`;
      tile.dataset['participantId'] = info.participantId;
      tile.dataset['feed'] = info.feed;
      const video = document.createElement('video');
      video.autoplay = true;
      video.playsInline = true;
      video.muted = info.self === true;
      const caption = document.createElement('figcaption');
      caption.className = 'name';
      const indicators = document.createElement('span');
      indicators.className = 'indicators';
      indicators.setAttribute('aria-live', 'polite');
      tile.append(video, caption, indicators);
      this.tiles.set(key, tile);
      this.container.append(tile);
      this.layout();
    }
    const caption = tile.querySelector<HTMLElement>('.name')!;
    caption.textContent = info.feed === 'screen' ? `${info.name} (screen)` : info.self ? `${info.name} (you)` : info.name;
    return tile;
  }

  /** Shows a participant's mute state on their camera tile. */
  setMuted(participantId: string, audioMuted: boolean, videoMuted: boolean): void {
    const tile = this.tile(participantId, 'camera');
    if (!tile) return;
    tile.dataset['audioMuted'] = String(audioMuted);
    tile.dataset['videoMuted'] = String(videoMuted);
    const labels = [audioMuted ? 'muted' : '', videoMuted ? 'camera off' : ''].filter(Boolean);
    tile.querySelector('.indicators')!.textContent = labels.join(' · ');
  }

  setSpeaking(participantId: string | undefined): void {
    for (const tile of this.tiles.values()) tile.classList.toggle('speaking', tile.dataset['participantId'] === participantId && tile.dataset['feed'] === 'camera');
  }

  get remoteCount(): number {
    return new Set([...this.tiles.values()].filter((t) => !t.classList.contains('self')).map((t) => t.dataset['participantId'])).size;
  }

  attach(participantId: string, feed: FeedKind, stream: MediaStream | null): void {
    const video = this.tiles.get(TileGrid.key(participantId, feed))?.querySelector('video');
    if (video && video.srcObject !== stream) video.srcObject = stream;
  }

  remove(participantId: string, feed?: FeedKind): void {
    for (const [key, tile] of this.tiles) {
      if (tile.dataset['participantId'] !== participantId || (feed && tile.dataset['feed'] !== feed)) continue;
      tile.remove();
      this.tiles.delete(key);
    }
    this.layout();
  }

  /** Drops every tile but our own. */
  clearRemote(selfId: string | undefined): void {
    for (const tile of [...this.tiles.values()]) {
      if (tile.dataset['participantId'] !== selfId) this.remove(tile.dataset['participantId']!);
    }
  }

  tile(participantId: string, feed: FeedKind): HTMLElement | undefined {
    return this.tiles.get(TileGrid.key(participantId, feed));
  }

  private layout(): void {
    const count = Math.max(this.tiles.size, 1);
    const rows = Math.round(Math.sqrt(count));
    const columns = Math.ceil(count / rows);
    const { width, height } = this.container.getBoundingClientRect();
    const gapPx = 8;
    // The largest 16:9 tile that fits `columns` across and `rows` down.
    const tileWidth = Math.max(120, Math.min((width - gapPx * (columns - 1)) / columns, ((height - gapPx * (rows - 1)) / rows) * (16 / 9)));
    this.container.style.gridTemplateColumns = `repeat(${columns}, ${Math.floor(tileWidth)}px)`;
  }
}
