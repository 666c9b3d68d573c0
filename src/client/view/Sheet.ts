/**
 * A sheet: a small modal panel that a button in the call bar opens (on a
 * phone-sized screen it rises from the bottom edge, elsewhere it floats
 * above the call bar). It is a <dialog> shown modally, so the focus moves
 * into it and stays there, Escape closes it, and the rest of the page is
 * inert meanwhile; a click outside it closes it too, and the focus goes
 * back to the button that opened it. Panels put their content in `body`.
 */
import { drawIcon } from '../dom.js';

export interface SheetOptions {
  /** Names the sheet's dialog, button and heading: `<id>-sheet`, `<id>-button`. */
  id: string;
  title: string;
  /** The button's icon, as the call bar draws its icons: SVG path data. */
  icon: string[];
}

export class Sheet {
  readonly button = document.createElement('button');
  readonly body = document.createElement('div');
  private readonly dialog = document.createElement('dialog');

  constructor({ id, title, icon }: SheetOptions) {
    this.dialog.id = `${id}-sheet`;
    this.dialog.className = 'sheet';
    const heading = document.createElement('h2');
    heading.id = `${id}-sheet-title`;
    heading.textContent = title;
    this.dialog.setAttribute('aria-labelledby', heading.id);
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'sheet-close';
    close.textContent = 'Done';
    close.addEventListener('click', () => this.close());
    const header = document.createElement('header');
    header.append(heading, close);
    this.body.className = 'sheet-body';
    this.dialog.append(header, this.body);
    // A click that lands on the dialog itself, not its content, is on the backdrop around it.
    this.dialog.addEventListener('click', (event) => {
      if (event.target === this.dialog) this.close();
    });
    this.dialog.addEventListener('close', () => {
      this.button.setAttribute('aria-expanded', 'false');
      this.button.focus();
    });

    this.button.type = 'button';
    this.button.id = `${id}-button`;
    this.button.setAttribute('aria-haspopup', 'dialog');
    this.button.setAttribute('aria-expanded', 'false');
    this.button.setAttribute('aria-controls', this.dialog.id);
    this.button.append(drawIcon(icon), ` ${title}`);
    this.button.addEventListener('click', () => this.open());
    document.body.append(this.dialog);
  }

  get isOpen(): boolean {
    return this.dialog.open;
  }

  /** Opens the sheet with the focus on its first control. */
  open(): void {
    if (this.dialog.open) return;
    this.dialog.showModal();
    this.button.setAttribute('aria-expanded', 'true');
    this.body.querySelector<HTMLElement>('button, select, input, textarea, [tabindex]')?.focus();
  }

  close(): void {
    if (this.dialog.open) this.dialog.close();
  }
}
