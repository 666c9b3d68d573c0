/**
 * CPU time and resident memory of a process, read from /proc like top does,
 * so the benchmark can charge Janus, the app server and itself separately.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User plus system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicksPerSecond;
}

export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return Number(kib ?? 0) * 1024;
}

/** Measures CPU use of a process over an interval, in percent of one core. */
export class CpuMeter {
  private startCpu: number;
  private startWall: number;

  constructor(private readonly pid: number) {
    this.startCpu = cpuSeconds(pid);
    this.startWall = performance.now();
  }

  percentOfOneCore(): number {
    const elapsedS = (performance.now() - this.startWall) / 1000;
    return elapsedS > 0 ? ((cpuSeconds(this.pid) - this.startCpu) / elapsedS) * 100 : 0;
  }
}
