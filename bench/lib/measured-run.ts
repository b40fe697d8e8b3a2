import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mergePeaks, ProcessTreeMonitor, type ProcessPeak } from "./process-memory.js";

const MEMORY_PROBE = fileURLToPath(new URL("./memory-probe.cjs", import.meta.url));

export interface MeasuredRun {
  exitCode: number | null;
  wallMs: number;
  stdout: string;
  stderr: string;
  /** The spawned process itself. */
  main: ProcessPeak | undefined;
  /** Every descendant Node process (Vitest's workers). */
  workers: ProcessPeak[];
}

/**
 * Runs `node <args>` as a child process and measures its wall time and the peak memory of it and
 * of every process it starts. Environment variables that would change what is measured (CI, a
 * configured Phoenix server, colours) are cleared; `env` adds to them.
 */
export async function runMeasured(args: string[], options: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<MeasuredRun> {
  const probeDir = mkdtempSync(join(tmpdir(), "bench-memory-"));
  const probeLog = join(probeDir, "peaks.jsonl");
  const env: Record<string, string | undefined> = {
    ...process.env,
    CI: undefined,
    GITHUB_ACTIONS: undefined,
    GITHUB_STEP_SUMMARY: undefined,
    PHOENIX_HOST: undefined,
    PHOENIX_API_KEY: undefined,
    PHOENIX_CLIENT_HEADERS: undefined,
    VITEST_EXPERIMENTS_JUNIT: undefined,
    VITEST: undefined,
    VITEST_MODE: undefined,
    VITEST_POOL_ID: undefined,
    VITEST_WORKER_ID: undefined,
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    NODE_OPTIONS: `--require ${MEMORY_PROBE}`,
    BENCH_MEMORY_LOG: probeLog,
    ...options.env,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];

  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: options.cwd, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  const monitor = new ProcessTreeMonitor(child.pid!);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 15 * 60_000);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  const wallMs = performance.now() - started;
  clearTimeout(timer);
  let log = "";
  try {
    log = readFileSync(probeLog, "utf8");
  } catch {
    // No process exited normally.
  }
  rmSync(probeDir, { recursive: true, force: true });
  const peaks = mergePeaks(monitor.stop(), log);
  return {
    exitCode,
    wallMs,
    stdout,
    stderr,
    main: peaks.find((p) => p.pid === child.pid),
    workers: peaks.filter((p) => p.pid !== child.pid && p.peakKiB > 0),
  };
}
