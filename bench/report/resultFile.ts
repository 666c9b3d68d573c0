/** The JSON a benchmark run leaves under bench/results/: where it ran, with what, and every figure. */
import type { MachineInfo, Versions } from '../lib/machine.js';
import type { BandwidthResult } from '../bandwidth/bandwidthBench.js';
import type { CapacityResult } from '../capacity/capacityBench.js';
import type { JoinResult } from '../join/joinBench.js';
import type { PhoneResult } from '../phone/phoneBench.js';
import type { SignallingResult } from '../signalling/signallingBench.js';

export interface BenchResults {
  join?: JoinResult;
  capacity?: CapacityResult;
  signalling?: SignallingResult;
  phone?: PhoneResult;
  bandwidth?: BandwidthResult;
}

export interface ResultFile {
  /** ISO time the run started. */
  startedAt: string;
  durationS: number;
  command: string;
  machine: MachineInfo & { loadAverageAtEnd: number[] };
  versions: Versions;
  /** What every "summary" object holds: median, 95th percentile (nearest rank), runs (samples), min, max. */
  conventions: string;
  results: BenchResults;
  /** Paths, relative to the repository, of pictures made from this run. */
  plots: string[];
}
