/**
 * Connection quality as the page shows it: a label (good, fair, poor) on
 * each camera tile, for what arrives from that participant or, on our own
 * tile, for what we send. The label is a button, so Tab reaches it; its
 * details (loss, round trip, bitrate) are its description
 * (aria-describedby) and show as a tooltip on hover or focus, which Escape
 * hides. When the page's own connection is poor, a notice in the call bar
 * says so (a live region).
 */
import { worse, type Grade, type QualityReport } from '../media/ConnectionQuality.js';
import type { TileGrid } from './TileGrid.js';

export type Direction = 'received' | 'sent';

const POOR_CONNECTION = 'Your connection is poor: the others may not see or hear you well, nor you them.';

export class QualityBadges {
  private uplink: Grade | undefined;
  private downlink: Grade | undefined;
  /** Numbers the details' ids, which the labels' aria-describedby name. */
  private badges = 0;

  constructor(
    private readonly grid: TileGrid,
    private readonly notice: HTMLElement,
  ) {}

  /** Shows a participant's grade on their camera tile (ours: `sent`). */
  show(participantId: string, report: QualityReport, direction: Direction): void {
    const tile = this.grid.tile(participantId, 'camera');
    if (!tile) return;
    const badge = tile.querySelector<HTMLButtonElement>('.quality') ?? addBadge(tile, `quality-details-${(this.badges += 1)}`);
    const details = document.getElementById(badge.getAttribute('aria-describedby') ?? '');
    tile.dataset['quality'] = report.grade;
    setText(badge, report.grade);
    // Named for whose connection it is, as the tile's other buttons are: Tab reaches it away from the tile's caption.
    const label = `${tile.querySelector('.name')?.textContent ?? ''}: connection ${report.grade}`;
    if (badge.getAttribute('aria-label') !== label) badge.setAttribute('aria-label', label);
    setText(details, describe(report, direction));
  }

  /** Takes a participant's label off their tile. */
  clear(participantId: string): void {
    const tile = this.grid.tile(participantId, 'camera');
    if (!tile) return;
    delete tile.dataset['quality'];
    const badge = tile.querySelector('.quality');
    document.getElementById(badge?.getAttribute('aria-describedby') ?? '')?.remove();
    badge?.remove();
  }

  /** Our own connection, one way or the other: a notice when either is poor. */
  ownConnection(way: 'uplink' | 'downlink', grade: Grade): void {
    this[way] = grade;
    const own = worse(this.uplink, this.downlink) ?? 'good';
    this.notice.dataset['grade'] = own;
    setText(this.notice, own === 'poor' ? POOR_CONNECTION : '');
  }
}

function addBadge(tile: HTMLElement, detailsId: string): HTMLButtonElement {
  const details = document.createElement('span');
  details.id = detailsId;
  details.className = 'quality-details';
  details.setAttribute('role', 'tooltip');
  const badge = document.createElement('button');
  badge.type = 'button';
  badge.className = 'quality';
  badge.setAttribute('aria-describedby', details.id);
  // A tooltip can be dismissed without moving the focus or the pointer; it shows again at the next focus or hover.
  badge.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') tile.classList.add('quality-dismissed');
  });
  for (const again of ['focus', 'mouseenter']) badge.addEventListener(again, () => tile.classList.remove('quality-dismissed'));
  tile.append(badge, details);
  return badge;
}

function describe({ lossShare, roundTripMs, kbps }: QualityReport, direction: Direction): string {
  const roundTrip = roundTripMs === undefined ? 'not measured yet' : `${roundTripMs} ms`;
  return `Loss ${(lossShare * 100).toFixed(1)} % · round trip ${roundTrip} · ${kbps} kbit/s ${direction}`;
}

/** Writes only changes: the details change every second, and most seconds nothing else does. */
function setText(element: Element | null, text: string): void {
  if (element && element.textContent !== text) element.textContent = text;
}
