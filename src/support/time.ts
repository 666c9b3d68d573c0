export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for `work` (its failure included), but no longer than `ms`; the timer goes as soon as either ends. */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work.then(() => undefined, () => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A duration as people say it: "9 h", "1 h 30 min", "45 s". */
export function formatDuration(ms: number): string {
  const totalS = Math.round(ms / 1000);
  const parts: Array<[number, string]> = [
    [Math.floor(totalS / 3600), 'h'],
    [Math.floor((totalS % 3600) / 60), 'min'],
    [totalS % 60, 's'],
  ];
  return parts.filter(([value]) => value > 0).map(([value, unit]) => `${value} ${unit}`).join(' ') || '0 s';
}
