import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runMeasured, type MeasuredRun } from "./measured-run.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const WORK_DIR = join(REPO_ROOT, "bench/.work");
const VITEST_BIN = join(REPO_ROOT, "node_modules/vitest/vitest.mjs");
const WORKER_PROFILER = join(REPO_ROOT, "bench/lib/worker-profiler.mjs");

/** Vitest's own phase timings, from the `Duration` line its default reporter prints. */
export interface VitestPhases {
  durationMs: number;
  testsMs: number;
  importMs: number;
  collectMs?: number;
}

export interface VitestRun extends MeasuredRun {
  phases: VitestPhases;
}

export interface BenchProject {
  dir: string;
  /** `vitest run --project evals`, measured; fails loudly if Vitest did not pass. */
  run(options?: { env?: Record<string, string | undefined>; profileDir?: string; extraArgs?: string[] }): Promise<VitestRun>;
}

/** The two project shapes a workload compares: experiments, or plain Vitest tests. */
export type ProjectKind = "experiments" | "plain";

/**
 * A throwaway project under bench/.work with `vitest-experiments` (the built dist/) and `vitest`
 * linked from this repository, as a user's installed project would have them. The project is
 * named `evals` in both kinds, so both run with the same command line.
 */
export function createBenchProject(name: string, kind: ProjectKind, files: Record<string, string>): BenchProject {
  const dir = join(WORK_DIR, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(REPO_ROOT, join(dir, "node_modules/vitest-experiments"), "dir");
  symlinkSync(join(REPO_ROOT, "node_modules/vitest"), join(dir, "node_modules/vitest"), "dir");
  const all: Record<string, string> = {
    "package.json": JSON.stringify({ name: `bench-${name}`, type: "module", private: true }),
    "vitest.config.mjs": kind === "experiments" ? EXPERIMENTS_CONFIG : PLAIN_CONFIG,
    ...files,
  };
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  let runs = 0;
  return {
    dir,
    async run(options = {}) {
      // A fresh store per run: a baseline left by the previous repetition would add work to the gates test.
      const storeDir = `.store-${runs++}`;
      const result = await runMeasured([VITEST_BIN, "run", "--project", "evals", ...(options.extraArgs ?? [])], {
        cwd: dir,
        env: {
          VITEST_EXPERIMENTS_DIR: storeDir,
          ...(options.profileDir ? { BENCH_CPU_PROF_DIR: options.profileDir, BENCH_WORKER_PROFILER: WORKER_PROFILER } : {}),
          ...options.env,
        },
      });
      rmSync(join(dir, storeDir), { recursive: true, force: true });
      if (result.exitCode !== 0) {
        throw new Error(`vitest run in ${dir} exited ${result.exitCode}:\n${(result.stdout + result.stderr).slice(-3000)}`);
      }
      return { ...result, phases: parseVitestPhases(result.stdout + result.stderr) };
    },
  };
}

/** Profiling (`--profile`) adds a setup file that makes the worker write a .cpuprofile. */
const PROFILER_HOOK = `const profiler = process.env.BENCH_WORKER_PROFILER;`;

const EXPERIMENTS_CONFIG = `import { defineConfig } from "vitest/config";
import { experimentsProject } from "vitest-experiments/config";
${PROFILER_HOOK}
const project = experimentsProject();
if (profiler) project.test.setupFiles = [profiler];
export default defineConfig({ test: { projects: [project] } });
`;

const PLAIN_CONFIG = `import { defineConfig } from "vitest/config";
${PROFILER_HOOK}
export default defineConfig({ test: { projects: [{ test: { name: "evals", include: ["**/*.test.mjs"], ...(profiler ? { setupFiles: [profiler] } : {}) } }] } });
`;

/**
 * Parses `Duration  12.34s (transform 1.10s, setup 0ms, import 2.87s, tests 6.90s, environment 0ms)`.
 * Throws when the line is missing: a workload must not silently report zeros.
 */
export function parseVitestPhases(output: string): VitestPhases {
  const line = /Duration\s+([\d.]+\s*m?s)\s*\(([^)]*)\)/.exec(output);
  if (!line) throw new Error(`no "Duration" line in Vitest's output:\n${output.slice(-1500)}`);
  const phases = new Map<string, number>();
  for (const part of line[2]!.split(",")) {
    const match = /^\s*(\w+)\s+([\d.]+\s*m?s)\s*$/.exec(part);
    if (match) phases.set(match[1]!, toMs(match[2]!));
  }
  const testsMs = phases.get("tests");
  if (testsMs === undefined) throw new Error(`no "tests" phase in Vitest's Duration line: ${line[0]}`);
  return {
    durationMs: toMs(line[1]!),
    testsMs,
    importMs: phases.get("import") ?? 0,
    ...(phases.has("collect") ? { collectMs: phases.get("collect")! } : {}),
  };
}

function toMs(text: string): number {
  const value = Number.parseFloat(text);
  return text.trim().endsWith("ms") ? value : value * 1000;
}
