/**
 * CPU time and resident memory of a process, read from /proc like top does,
 * so the benchmark can charge Janus, the app server and itself separately;
 * also a whole process tree (a browser and its helpers) and the machine's idle share.
 */
import { readdirSync, readFileSync } from 'node:fs';
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

/** CPU seconds of each process of a group still alive; one that has exited is left out. */
function cpuSecondsOfLiving(pids: readonly number[]): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    try {
      seconds.set(pid, cpuSeconds(pid));
    } catch {
      // exited since it was listed
    }
  }
  return seconds;
}

/**
 * CPU use of a group of processes over an interval, in percent of one core,
 * counting those alive at both ends: a helper process that comes or goes in
 * between (a renderer of a closed page) is not part of what is measured.
 */
export class GroupCpuMeter {
  private readonly start: Map<number, number>;
  private readonly startWall = performance.now();

  constructor(private readonly pids: readonly number[]) {
    this.start = cpuSecondsOfLiving(pids);
  }

  percentOfOneCore(): number {
    const elapsedS = (performance.now() - this.startWall) / 1000;
    let used = 0;
    for (const [pid, seconds] of cpuSecondsOfLiving(this.pids)) used += seconds - (this.start.get(pid) ?? seconds);
    return elapsedS > 0 ? (used / elapsedS) * 100 : 0;
  }
}

/** Each living process's children, from the parent pids in /proc. */
function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while listed
    }
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  return children;
}

export function childPids(parent: number): number[] {
  return childrenByParent().get(parent) ?? [];
}

/** Every process below `root`: its children, their children, and so on. */
export function descendantPids(root: number): number[] {
  const children = childrenByParent();
  const found: number[] = [];
  for (let generation = [root]; generation.length > 0; ) {
    generation = generation.flatMap((pid) => children.get(pid) ?? []);
    found.push(...generation);
  }
  return found;
}

/**
 * A process's command line as one string, empty once it has exited. Arguments
 * are joined by spaces: Chromium rewrites its processes' titles that way.
 */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

/** Idle and total jiffies of all cores together, from the first line of /proc/stat. */
function machineJiffies(): { idle: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return { idle: idle + iowait, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

/** The share of the whole machine's CPU time (all cores) left idle over an interval, in percent. */
export class MachineIdleMeter {
  private readonly start = machineJiffies();

  idlePercent(): number {
    const end = machineJiffies();
    const total = end.total - this.start.total;
    return total > 0 ? ((end.idle - this.start.idle) / total) * 100 : 0;
  }
}
