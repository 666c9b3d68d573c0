/**
 * Which remote cameras a page shows when the room holds more than fit: at
 * most `perPage` at once. The first page holds the pinned participant and
 * the latest speakers: someone who speaks while off it takes the place of
 * whoever on it spoke longest ago (so the first page changes one tile at a
 * time, never reshuffles). The others follow on further pages, in the order
 * they joined.
 */
export class Stage {
  /** Remote participants in the order they joined. */
  private readonly order: string[] = [];
  /** Who the first page shows besides the pinned one. */
  private firstPage: string[] = [];
  private readonly lastSpoke = new Map<string, number>();
  private pinned: string | undefined;
  private page = 0;

  constructor(private perPage: number) {}

  setPerPage(perPage: number): void {
    this.perPage = Math.max(1, perPage);
    this.firstPage = this.firstPage.slice(0, this.firstPageRoom);
    this.fillFirstPage();
    this.page = Math.min(this.page, this.pageCount - 1);
  }

  add(participantId: string): void {
    if (this.order.includes(participantId)) return;
    this.order.push(participantId);
    this.fillFirstPage();
  }

  remove(participantId: string): void {
    remove(this.order, participantId);
    remove(this.firstPage, participantId);
    this.lastSpoke.delete(participantId);
    if (this.pinned === participantId) this.pinned = undefined;
    this.fillFirstPage();
    this.page = Math.min(this.page, this.pageCount - 1);
  }

  /** Someone speaks: onto the first page if they are not on it (and the page shows it). */
  spoke(participantId: string, atMs: number): void {
    if (!this.order.includes(participantId)) return;
    this.lastSpoke.set(participantId, atMs);
    if (this.pinned === participantId || this.firstPage.includes(participantId)) return;
    if (this.firstPage.length < this.firstPageRoom) {
      this.firstPage.push(participantId);
      return;
    }
    const quietest = this.firstPage.reduce((a, b) => ((this.lastSpoke.get(a) ?? 0) <= (this.lastSpoke.get(b) ?? 0) ? a : b));
    this.firstPage[this.firstPage.indexOf(quietest)] = participantId;
  }

  /** Pins one participant (first on the first page, shown large), or none. */
  pin(participantId: string | undefined): void {
    if (participantId !== undefined && !this.order.includes(participantId)) return;
    this.pinned = participantId;
    if (participantId !== undefined) remove(this.firstPage, participantId);
    this.firstPage = this.firstPage.slice(0, this.firstPageRoom);
    this.fillFirstPage();
  }

  get pinnedId(): string | undefined {
    return this.pinned;
  }

  showPage(page: number): void {
    this.page = Math.max(0, Math.min(page, this.pageCount - 1));
  }

  /** Goes to the page that shows this participant. */
  showParticipant(participantId: string): void {
    const index = this.pages().findIndex((page) => page.includes(participantId));
    if (index !== -1) this.page = index;
  }

  get currentPage(): number {
    return this.page;
  }

  get pageCount(): number {
    return Math.max(1, this.pages().length);
  }

  /** The participants the current page shows. */
  onStage(): string[] {
    return this.pages()[this.page] ?? [];
  }

  /** Everyone the current page does not show, in the order they joined. */
  offstage(): string[] {
    const shown = new Set(this.onStage());
    return this.order.filter((id) => !shown.has(id));
  }

  private pages(): string[][] {
    const first = [...(this.pinned ? [this.pinned] : []), ...this.firstPage];
    const rest = this.order.filter((id) => !first.includes(id));
    const pages = [first];
    for (let start = 0; start < rest.length; start += this.perPage) pages.push(rest.slice(start, start + this.perPage));
    return pages.filter((page, index) => index === 0 || page.length > 0);
  }

  private get firstPageRoom(): number {
    return this.perPage - (this.pinned ? 1 : 0);
  }

  private fillFirstPage(): void {
    for (const id of this.order) {
      if (this.firstPage.length >= this.firstPageRoom) return;
      if (id !== this.pinned && !this.firstPage.includes(id)) this.firstPage.push(id);
    }
  }
}

function remove(list: string[], item: string): void {
  const index = list.indexOf(item);
  if (index !== -1) list.splice(index, 1);
}
