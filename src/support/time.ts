export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
