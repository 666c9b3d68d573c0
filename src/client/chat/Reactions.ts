/**
 * Reactions: the call bar's React button opens the fixed set of emoji; the
 * one picked goes to the room, and every reaction shows for a few seconds
 * on its sender's tile and is announced to screen readers.
 */
import { Reaction, type ClientMessage } from '../../protocol/messages.js';
import { element } from '../dom.js';
import type { TileGrid } from '../view/TileGrid.js';

type ReactRequest = Extract<ClientMessage, { type: 'react' }>;

/** How long a reaction shows on its tile. */
const SHOWN_MS = 3_000;
const SPOKEN: Record<Reaction, string> = { '👍': 'thumbs up', '👏': 'applause', '😂': 'laughter', '🎉': 'celebration', '❤️': 'love', '😮': 'surprise' };
const REACT_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="9" /><path d="M8 14a4.5 4.5 0 0 0 8 0M9 9.5h.01M15 9.5h.01" /></svg>';

export class Reactions {
  readonly button = element('button', { id: 'react-button', type: 'button', innerHTML: `${REACT_ICON} React` });
  /** The picker, placed after the button in the call bar. */
  readonly picker = element('div', { id: 'react-picker', className: 'react-picker', hidden: true });
  readonly announcer = element('p', { className: 'visually-hidden' });
  /** The timer that takes each participant's reaction off their tile. */
  private readonly timers = new Map<string, number>();

  constructor(
    private readonly grid: TileGrid,
    private readonly nameOf: (participantId: string) => string,
    send: (request: ReactRequest) => void,
  ) {
    this.button.setAttribute('aria-expanded', 'false');
    this.button.setAttribute('aria-controls', this.picker.id);
    this.picker.setAttribute('role', 'group');
    this.picker.setAttribute('aria-label', 'Reactions');
    this.announcer.setAttribute('aria-live', 'polite');
    for (const emoji of Reaction.options) {
      const choice = element('button', { type: 'button', className: 'react-choice', textContent: emoji, title: SPOKEN[emoji] });
      choice.setAttribute('aria-label', SPOKEN[emoji]);
      choice.addEventListener('click', () => {
        send({ type: 'react', emoji });
        this.setOpen(false);
      });
      this.picker.append(choice);
    }
    this.button.addEventListener('click', () => this.setOpen(this.picker.hidden));
    this.picker.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.setOpen(false);
    });
    // Clicking or tabbing elsewhere closes it, leaving the focus where it went.
    this.picker.addEventListener('focusout', (event) => {
      const to = event.relatedTarget;
      if (!(to instanceof Node && (this.picker.contains(to) || this.button.contains(to)))) this.setOpen(false, { returnFocus: false });
    });
  }

  /** Shows a reaction on its sender's camera tile for a few seconds, replacing the one shown there. */
  show(participantId: string, emoji: Reaction): void {
    this.announcer.textContent = `${this.nameOf(participantId)}: ${SPOKEN[emoji]}`;
    const tile = this.grid.tile(participantId, 'camera');
    if (!tile) return;
    tile.querySelector('.tile-reaction')?.remove();
    const badge = element('span', { className: 'tile-reaction', textContent: emoji });
    badge.setAttribute('aria-hidden', 'true');
    tile.append(badge);
    window.clearTimeout(this.timers.get(participantId));
    this.timers.set(
      participantId,
      window.setTimeout(() => {
        badge.remove();
        this.timers.delete(participantId);
      }, SHOWN_MS),
    );
  }

  private setOpen(open: boolean, { returnFocus = true } = {}): void {
    this.picker.hidden = !open;
    this.button.setAttribute('aria-expanded', String(open));
    if (open) this.picker.querySelector('button')?.focus();
    else if (returnFocus) this.button.focus();
  }
}
