/**
 * The grid of video tiles: one per participant's camera (named, and showing
 * an initial until its video arrives), one per screenshare, and our own
 * mirrored self-view. Every tile keeps a 16:9 video area; a screenshare and
 * a pinned tile take the room of four. Tiles the stage keeps off screen are
 * hidden (their audio plays elsewhere, see AudioSinks). Each remote tile
 * can be pinned, or shown full screen.
 */
import type { FeedKind, PhoneCallInfo } from '../../protocol/messages.js';
import { drawIcon } from '../dom.js';

export interface TileInfo {
  participantId: string;
  feed: FeedKind;
  name: string;
  self?: boolean;
}

export interface TileActions {
  pin(participantId: string, feed: FeedKind): void;
  fullscreen(tile: HTMLElement): void;
}

/** A remote tile on screen: what the server must send video for. */
export interface ShownTile {
  participantId: string;
  feed: FeedKind;
  video: HTMLVideoElement;
  /** Pinned, or full screen: the tile wants the feed's best picture. */
  emphasized: boolean;
}

const ASPECT = 16 / 9;
/** Cells a screenshare or a pinned tile spans across and down. */
const BIG_SPAN = 2;

export class TileGrid {
  private readonly tiles = new Map<string, HTMLElement>();
  /**
   * The container's content box and gap, as its ResizeObserver last saw
   * them: laying out reads these rather than the live DOM, so adding tiles
   * never forces the browser to lay the page out there and then.
   */
  private area = { width: 0, height: 0, gap: 0 };

  /** With `layout: false` the container's own CSS sizes the tiles (the join form's single preview). */
  constructor(
    private readonly container: HTMLElement,
    private readonly options: { layout: boolean; actions?: TileActions } = { layout: true },
  ) {
    if (!options.layout) return;
    new ResizeObserver(([entry]) => {
      if (!entry) return;
      const gap = parseFloat(getComputedStyle(container).columnGap) || 0;
      this.area = { width: entry.contentRect.width, height: entry.contentRect.height, gap };
      this.layout();
    }).observe(container);
  }

  static key(participantId: string, feed: FeedKind): string {
    return `${participantId}:${feed}`;
  }

  upsert(info: TileInfo): HTMLElement {
    const key = TileGrid.key(info.participantId, info.feed);
    const tile = this.tiles.get(key) ?? this.create(key, info);
    const caption = tile.querySelector<HTMLElement>('.name')!;
    const label = info.feed === 'screen' ? `${info.name} (screen)` : info.self ? `${info.name} (you)` : info.name;
    caption.textContent = label;
    tile.querySelector('.avatar')!.textContent = info.name.trim().charAt(0).toUpperCase();
    for (const button of tile.querySelectorAll<HTMLButtonElement>('.tile-action')) button.setAttribute('aria-label', `${button.dataset['action']} ${label}`);
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

  /** Shows a host badge and a raised hand (with its place in the order hands went up) on a participant's camera tile. */
  setBadges(participantId: string, badges: { host: boolean; handPlace: number | undefined }): void {
    const tile = this.tile(participantId, 'camera');
    if (!tile) return;
    let label = tile.querySelector<HTMLElement>('.badges');
    if (!label) {
      label = document.createElement('span');
      label.className = 'badges';
      tile.append(label);
    }
    tile.dataset['host'] = String(badges.host);
    tile.dataset['hand'] = badges.handPlace === undefined ? '' : String(badges.handPlace);
    const parts = [badges.host ? 'Host' : '', badges.handPlace === undefined ? '' : `Hand ${badges.handPlace}`].filter(Boolean);
    label.textContent = parts.join(' · ');
    label.hidden = parts.length === 0;
  }

  setSpeaking(participantId: string | undefined): void {
    for (const tile of this.tiles.values()) tile.classList.toggle('speaking', tile.dataset['participantId'] === participantId && tile.dataset['feed'] === 'camera');
  }

  /** Marks the pinned tile (shown large), or none. */
  setPinned(key: string | undefined): void {
    for (const [tileKey, tile] of this.tiles) {
      const pinned = tileKey === key;
      tile.classList.toggle('pinned', pinned);
      tile.querySelector('.tile-action.pin')?.setAttribute('aria-pressed', String(pinned));
    }
    this.layout();
  }

  /** Shows only the camera tiles of `onStage` (screens and our own tile always show). */
  setStage(onStage: ReadonlySet<string>): void {
    for (const tile of this.tiles.values()) {
      const offstage = tile.dataset['feed'] === 'camera' && !tile.classList.contains('self') && !onStage.has(tile.dataset['participantId']!);
      tile.hidden = offstage;
    }
    this.layout();
  }

  get remoteCount(): number {
    return new Set([...this.tiles.values()].filter((t) => !t.classList.contains('self')).map((t) => t.dataset['participantId'])).size;
  }

  /** The remote tiles on screen now. */
  shown(): ShownTile[] {
    return [...this.tiles.values()]
      .filter((tile) => !tile.hidden && !tile.classList.contains('self'))
      .map((tile) => ({
        participantId: tile.dataset['participantId']!,
        feed: tile.dataset['feed'] as FeedKind,
        video: tile.querySelector('video')!,
        emphasized: tile.classList.contains('pinned') || document.fullscreenElement === tile,
      }));
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

  private create(key: string, info: TileInfo): HTMLElement {
    const tile = document.createElement('figure');
    tile.className = `tile ${info.feed}${info.self ? ' self' : ''} no-video`;
    tile.dataset['participantId'] = info.participantId;
    tile.dataset['feed'] = info.feed;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    // Remote audio plays through its own element (AudioSinks), whether the tile shows or not.
    video.muted = true;
    const avatar = document.createElement('span');
    avatar.className = 'avatar';
    avatar.setAttribute('aria-hidden', 'true');
    const caption = document.createElement('figcaption');
    caption.className = 'name';
    const indicators = document.createElement('span');
    indicators.className = 'indicators';
    indicators.setAttribute('aria-live', 'polite');
    tile.append(video, avatar, caption, indicators);
    const actions = this.options.actions;
    if (actions && !info.self) tile.append(this.actionButtons(tile, info, actions));
    this.tiles.set(key, tile);
    this.container.append(tile);
    this.layout();
    return tile;
  }

  private actionButtons(tile: HTMLElement, info: TileInfo, actions: TileActions): HTMLElement {
    const bar = document.createElement('span');
    bar.className = 'tile-actions';
    const pin = actionButton('pin', 'Pin', PIN_ICON, () => actions.pin(info.participantId, info.feed));
    pin.setAttribute('aria-pressed', 'false');
    bar.append(pin, actionButton('fullscreen', 'Full screen', FULL_SCREEN_ICON, () => actions.fullscreen(tile)));
    return bar;
  }

  /**
   * Picks the column count that gives the largest 16:9 tiles fitting the container (a screenshare
   * or a pinned tile counts as BIG_SPAN × BIG_SPAN cells), and sizes the cells to it.
   */
  private layout(): void {
    if (!this.options.layout) return;
    const tiles = [...this.tiles.values()].filter((tile) => !tile.hidden);
    const big = tiles.filter((t) => t.dataset['feed'] === 'screen' || t.classList.contains('pinned')).length;
    const cells = Math.max(tiles.length + big * (BIG_SPAN * BIG_SPAN - 1), 1);
    const { width, height, gap } = this.area;
    let best = { columns: 1, tileWidth: 0 };
    for (let columns = big > 0 ? BIG_SPAN : 1; columns <= cells; columns += 1) {
      const rows = Math.max(Math.ceil(cells / columns), big > 0 ? BIG_SPAN : 1);
      const tileWidth = Math.min((width - gap * (columns - 1)) / columns, ((height - gap * (rows - 1)) / rows) * ASPECT);
      if (tileWidth > best.tileWidth) best = { columns, tileWidth };
    }
    const tileWidth = Math.max(Math.floor(best.tileWidth), 0);
    this.container.style.gridTemplateColumns = `repeat(${best.columns}, ${tileWidth}px)`;
    this.container.style.gridAutoRows = `${Math.floor(tileWidth / ASPECT)}px`;
  }
}

/** Icons as drawn paths, like the call bar's: no emoji, whose font lookup stalls the page's first layout of them. */
const PIN_ICON = ['M9 3h6l-1 7 3 3H7l3-3z', 'M12 13v8'];
const FULL_SCREEN_ICON = ['M4 9V4h5', 'M20 9V4h-5', 'M4 15v5h5', 'M20 15v5h-5'];

function actionButton(kind: string, action: string, icon: string[], onClick: () => void): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `tile-action ${kind}`;
  button.dataset['action'] = action;
  button.append(drawIcon(icon));
  button.addEventListener('click', onClick);
  return button;
}
