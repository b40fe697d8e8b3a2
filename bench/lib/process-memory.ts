import { readdirSync, readFileSync } from "node:fs";

/** Peak resident memory of one process, as the kernel reports it (VmHWM). */
export interface ProcessPeak {
  pid: number;
  ppid: number;
  peakKiB: number;
  /** The script the process ran (argv[1]), to tell Vitest's main process from its workers. */
  script: string;
}

/** Reads a process's peak resident set size; undefined once the process is gone. */
export function readPeak(pid: number): { peakKiB: number; ppid: number; script: string } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const peak = /^VmHWM:\s+(\d+) kB/m.exec(status);
    const ppid = /^PPid:\s+(\d+)/m.exec(status);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (!peak || !ppid) return undefined;
    return { peakKiB: Number(peak[1]), ppid: Number(ppid[1]), script: cmdline[1] ?? cmdline[0] ?? "" };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` (children, grandchildren…), found through /proc. */
export function descendantsOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The stat line is "pid (comm) state ppid …"; comm may hold spaces or parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // Gone between readdir and read.
    }
  }
  const found: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [pid, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(pid);
        frontier.push(pid);
      }
    }
  }
  return found;
}

/**
 * Follows a process tree while it runs and keeps each process's highest VmHWM. VmHWM only grows,
 * so the last reading before a process ends is its peak to within one polling interval; the
 * preloaded exit probe (memory-probe.cjs) gives exact figures for processes that exit normally.
 */
export class ProcessTreeMonitor {
  readonly #peaks = new Map<number, ProcessPeak>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly root: number,
    intervalMs = 100,
  ) {
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  sample(): void {
    for (const pid of [this.root, ...descendantsOf(this.root)]) {
      const reading = readPeak(pid);
      if (!reading) continue;
      const known = this.#peaks.get(pid);
      if (!known || reading.peakKiB > known.peakKiB) this.#peaks.set(pid, { pid, ...reading });
    }
  }

  stop(): ProcessPeak[] {
    clearInterval(this.#timer);
    return [...this.#peaks.values()];
  }
}

/** Merges exit-probe lines (exact) with polled peaks (lower bounds), keeping the higher per pid. */
export function mergePeaks(polled: readonly ProcessPeak[], probeLog: string): ProcessPeak[] {
  const merged = new Map(polled.map((p) => [p.pid, p]));
  for (const line of probeLog.split("\n")) {
    if (!line.trim()) continue;
    const probe = JSON.parse(line) as { pid: number; ppid: number; hwmKiB: number; argv: string[] };
    const known = merged.get(probe.pid);
    if (!known || probe.hwmKiB > known.peakKiB) {
      merged.set(probe.pid, { pid: probe.pid, ppid: probe.ppid, peakKiB: probe.hwmKiB, script: probe.argv[0] ?? known?.script ?? "" });
    }
  }
  return [...merged.values()];
}
