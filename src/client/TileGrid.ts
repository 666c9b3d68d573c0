/**
 * The grid of video tiles: one per participant's camera (named, and showing
 * an initial until its video arrives), one per screenshare, and our own
 * mirrored self-view. Every tile keeps a 16:9 video area; a screenshare takes
 * the room of four.
 */
import type { FeedKind, PhoneCallInfo } from '../protocol/messages.js';

export interface TileInfo {
  participantId: string;
  feed: FeedKind;
  name: string;
  self?: boolean;
}

const ASPECT = 16 / 9;
/** Cells a screenshare spans across and down. */
const SCREEN_SPAN = 2;

export class TileGrid {
  private readonly tiles = new Map<string, HTMLElement>();

  /** With `layout: false` the container's own CSS sizes the tiles (the join form's single preview). */
  constructor(
    private readonly container: HTMLElement,
    private readonly options: { layout: boolean } = { layout: true },
  ) {
    if (options.layout) new ResizeObserver(() => this.layout()).observe(container);
  }

  static key(participantId: string, feed: FeedKind): string {
    return `${participantId}:${feed}`;
  }

  upsert(info: TileInfo): HTMLElement {
    const key = TileGrid.key(info.participantId, info.feed);
    let tile = this.tiles.get(key);
    if (!tile) {
      tile = document.createElement('figure');
      tile.className = `tile ${info.feed}${info.self ? ' self' : ''} no-video`;
      tile.dataset['participantId'] = info.participantId;
      tile.dataset['feed'] = info.feed;
      const video = document.createElement('video');
      video.autoplay = true;
      video.playsInline = true;
      video.muted = info.self === true;
      const avatar = document.createElement('span');
      avatar.className = 'avatar';
      avatar.setAttribute('aria-hidden', 'true');
      const caption = document.createElement('figcaption');
      caption.className = 'name';
      const indicators = document.createElement('span');
      indicators.className = 'indicators';
      indicators.setAttribute('aria-live', 'polite');
      tile.append(video, avatar, caption, indicators);
      this.tiles.set(key, tile);
      this.container.append(tile);
      this.layout();
    }
    const caption = tile.querySelector<HTMLElement>('.name')!;
    caption.textContent = info.feed === 'screen' ? `${info.name} (screen)` : info.self ? `${info.name} (you)` : info.name;
    tile.querySelector('.avatar')!.textContent = info.name.trim().charAt(0).toUpperCase();
    return tile;
  }

  /** Marks a phone's tile as audio-only and shows how its call is going. */
  setPhoneCall(participantId: string, call: PhoneCallInfo): void {
    const tile = this.tile(participantId, 'camera');
    if (!tile) return;
    tile.dataset['kind'] = 'phone';
    tile.dataset['callState'] = call.state;
    tile.classList.add('phone');
    let label = tile.querySelector<HTMLElement>('.call-state');
    if (!label) {
      label = document.createElement('span');
      label.className = 'call-state';
      label.setAttribute('aria-live', 'polite');
      tile.append(label);
    }
    label.textContent = call.state === 'answered' ? 'phone' : `phone · ${call.reason ?? call.state}`;
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
    const tile = this.tiles.get(TileGrid.key(participantId, feed));
    const video = tile?.querySelector('video');
    if (!tile || !video) return;
    if (video.srcObject !== stream) video.srcObject = stream;
    tile.classList.toggle('no-video', stream === null || stream.getVideoTracks().length === 0);
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

  /**
   * Picks the column count that gives the largest 16:9 tiles fitting the container (a screenshare
   * counts as SCREEN_SPAN × SCREEN_SPAN cells), and sizes the cells to it.
   */
  private layout(): void {
    if (!this.options.layout) return;
    const tiles = [...this.tiles.values()];
    const screens = tiles.filter((t) => t.dataset['feed'] === 'screen').length;
    const cells = Math.max(tiles.length + screens * (SCREEN_SPAN * SCREEN_SPAN - 1), 1);
    const style = getComputedStyle(this.container);
    const gap = parseFloat(style.columnGap) || 0;
    const width = this.container.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const height = this.container.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    let best = { columns: 1, tileWidth: 0 };
    for (let columns = screens > 0 ? SCREEN_SPAN : 1; columns <= cells; columns += 1) {
      const rows = Math.max(Math.ceil(cells / columns), screens > 0 ? SCREEN_SPAN : 1);
      const tileWidth = Math.min((width - gap * (columns - 1)) / columns, ((height - gap * (rows - 1)) / rows) * ASPECT);
      if (tileWidth > best.tileWidth) best = { columns, tileWidth };
    }
    const tileWidth = Math.max(Math.floor(best.tileWidth), 0);
    this.container.style.gridTemplateColumns = `repeat(${best.columns}, ${tileWidth}px)`;
    this.container.style.gridAutoRows = `${Math.floor(tileWidth / ASPECT)}px`;
  }
}
