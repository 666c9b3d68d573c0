/** Where the benchmarks read the app from and write their results. */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const resultsDir = join(repoRoot, 'bench/results');
/** Server logs and other leftovers of a run; ignored by git. */
export const scratchDir = join(resultsDir, 'tmp');
