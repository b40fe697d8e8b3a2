// Preloaded into every Node process of a measured command (through NODE_OPTIONS, which Vitest's
// workers inherit). At exit each process appends its peak resident set size (VmHWM, which the
// kernel keeps for the process's whole life) to the file named by BENCH_MEMORY_LOG, so peaks are
// exact rather than sampled. A process killed by a signal writes nothing; the harness also polls
// /proc for that case.
"use strict";
const { appendFileSync, readFileSync } = require("node:fs");
const log = process.env.BENCH_MEMORY_LOG;
if (log) {
  process.on("exit", () => {
    try {
      const status = readFileSync("/proc/self/status", "utf8");
      const kib = (field) => Number((new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status) || [])[1] || 0);
      const line = { pid: process.pid, ppid: process.ppid, hwmKiB: kib("VmHWM"), rssKiB: kib("VmRSS"), argv: process.argv.slice(1, 3) };
      appendFileSync(log, JSON.stringify(line) + "\n");
    } catch {
      // Measuring must never change the outcome of what is measured.
    }
  });
}
