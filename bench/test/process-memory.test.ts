import { describe, expect, it } from "vitest";
import { runMeasured } from "../lib/measured-run.js";
import { mergePeaks } from "../lib/process-memory.js";

describe("runMeasured", () => {
  it("reports the peak memory of the process and of the child it starts", async () => {
    // The child holds ~64 MiB, then frees it before exiting: only a peak (VmHWM) still shows it.
    const child = `const b = Buffer.alloc(64 * 1024 * 1024, 1); setTimeout(() => { b.fill(0); process.exit(0); }, 300);`;
    const parent = `const { spawnSync } = require("node:child_process"); spawnSync(process.execPath, ["-e", ${JSON.stringify(child)}], { stdio: "inherit" });`;
    const run = await runMeasured(["-e", parent], { cwd: process.cwd() });
    expect(run.exitCode).toBe(0);
    expect(run.main?.peakKiB).toBeGreaterThan(10_000);
    expect(run.workers).toHaveLength(1);
    expect(run.workers[0]!.peakKiB).toBeGreaterThan(64 * 1024);
    expect(run.workers[0]!.peakKiB).toBeGreaterThan(run.main!.peakKiB);
  });
});

describe("mergePeaks", () => {
  it("keeps the higher of the polled and the exit-probe figure per process", () => {
    const merged = mergePeaks(
      [
        { pid: 1, ppid: 0, peakKiB: 100, script: "main" },
        { pid: 2, ppid: 1, peakKiB: 500, script: "worker" },
      ],
      `${JSON.stringify({ pid: 1, ppid: 0, hwmKiB: 150, argv: ["main"] })}\n${JSON.stringify({ pid: 2, ppid: 1, hwmKiB: 400, argv: ["worker"] })}\n`,
    );
    expect(merged.map((p) => [p.pid, p.peakKiB])).toEqual([
      [1, 150],
      [2, 500],
    ]);
  });
});
