/** Progress lines on stderr, so stdout carries only the result table. */
const startedAt = Date.now();

export function progress(benchmark: string, message: string): void {
  const elapsed = ((Date.now() - startedAt) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${elapsed}s] ${benchmark}: ${message}\n`);
}
