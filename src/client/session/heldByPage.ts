/** A spell the page's main thread was busy (performance.now() times). */
export interface BusySpell {
  from: number;
  to: number;
}

/** Busy spells closer than this count as one: between them the page had no moment to handle a message. */
const TOUCHING_MS = 10;

/**
 * How long a message the page handled at `handledAt` can have waited for the page rather than the
 * network: the run of busy spells that ends as it is handled, counted from no earlier than `since`
 * (when it was asked for). Busy time before an idle moment does not count: a message that had
 * arrived by then would have been handled then.
 */
export function heldByPage(spells: readonly BusySpell[], handledAt: number, since: number): number {
  let runStart = handledAt;
  const latestFirst = spells.filter((spell) => spell.from < handledAt).sort((a, b) => b.to - a.to);
  for (const spell of latestFirst) {
    if (spell.to < runStart - TOUCHING_MS) break;
    runStart = Math.min(runStart, spell.from);
  }
  return Math.max(0, handledAt - Math.max(runStart, since));
}
