/**
 * Which numbers the server may dial. A meeting server that dials anything
 * is a toll-fraud gift, so by default only the configured `dial_number` may
 * be called (as in the seed); more can be allowed by exact number or by a
 * prefix ending in `*`.
 */
export const E164 = /^\+[1-9]\d{1,14}$/;

export class DialPolicy {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];

  constructor(patterns: readonly string[]) {
    for (const pattern of patterns) {
      if (pattern.endsWith('*')) this.prefixes.push(pattern.slice(0, -1));
      else this.exact.add(pattern);
    }
  }

  allows(number: string): boolean {
    return E164.test(number) && (this.exact.has(number) || this.prefixes.some((prefix) => number.startsWith(prefix)));
  }
}

/** Checks the configured patterns, so a typo fails at start-up rather than at the first call. */
export function invalidDialPatterns(patterns: readonly string[]): string[] {
  return patterns.filter((pattern) => !(E164.test(pattern) || /^\+?\d*\*$/.test(pattern)));
}
