/**
 * The pages of a room too big for one screen: "Page 1 of 3" with previous
 * and next buttons, and the names of everyone off this page, each a button
 * that goes to their page. Hidden while everyone fits.
 */
import type { Stage } from './Stage.js';

export interface PagerActions {
  show(page: number): void;
  find(participantId: string): void;
}

export class Pager {
  private readonly previous: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private readonly label: HTMLElement;
  private readonly offstage: HTMLElement;
  private page = 0;

  constructor(
    private readonly container: HTMLElement,
    actions: PagerActions,
  ) {
    this.previous = this.button('Previous page', '‹', () => actions.show(this.page - 1));
    this.next = this.button('Next page', '›', () => actions.show(this.page + 1));
    this.label = document.createElement('span');
    this.label.className = 'page-label';
    this.label.setAttribute('aria-live', 'polite');
    this.offstage = document.createElement('ul');
    this.offstage.className = 'offstage';
    this.offstage.setAttribute('aria-label', 'Also in the room');
    this.offstage.addEventListener('click', (event) => {
      const id = event.target instanceof HTMLElement ? event.target.closest<HTMLElement>('[data-participant-id]')?.dataset['participantId'] : undefined;
      if (id) actions.find(id);
    });
    const paging = document.createElement('span');
    paging.className = 'paging';
    paging.append(this.previous, this.label, this.next);
    container.append(paging, this.offstage);
  }

  update(stage: Stage, names: ReadonlyMap<string, string>): void {
    this.page = stage.currentPage;
    const pages = stage.pageCount;
    this.container.hidden = pages <= 1;
    this.label.textContent = `Page ${this.page + 1} of ${pages}`;
    this.previous.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
    this.offstage.replaceChildren(
      ...stage.offstage().map((id) => {
        const item = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset['participantId'] = id;
        button.textContent = names.get(id) ?? '…';
        item.append(button);
        return item;
      }),
    );
  }

  private button(label: string, text: string, onClick: () => void): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('aria-label', label);
    button.textContent = text;
    button.addEventListener('click', onClick);
    return button;
  }
}
