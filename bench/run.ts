/**
 * `npm run bench [-- --quick] [--only W1,W3] [--profile] [--no-build] [--out path]`
 *
 * Runs the workloads of issue 6 one after another (never in parallel: they would measure each
 * other) and writes bench/RESULTS.md. Every ratio compares figures taken in this same run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { hotFunctions, readCpuProfile } from "./lib/cpu-profile.js";
import { describeMachine } from "./lib/machine.js";
import { renderResults, type Mode, type WorkloadReport } from "./lib/report.js";
import { REPO_ROOT, WORK_DIR } from "./lib/vitest-project.js";
import type { WorkloadContext } from "./workloads/context.js";
import { runW1 } from "./workloads/w1-orchestration.js";
import { runW2 } from "./workloads/w2-scale.js";
import { runW3 } from "./workloads/w3-programmatic.js";
import { runW4 } from "./workloads/w4-rate-limit.js";
import { runW5 } from "./workloads/w5-upload.js";
import { runS1 } from "./workloads/s1-shard-merge.js";
import { runS2 } from "./workloads/s2-shard-upload.js";
import { runW6 } from "./workloads/w6-arize-upload.js";

const WORKLOADS = { W1: runW1, W2: runW2, W3: runW3, W4: runW4, W5: runW5, W6: runW6, S1: runS1, S2: runS2 } as const;
type WorkloadId = keyof typeof WORKLOADS;

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    profile: { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    out: { type: "string" },
  },
});
const mode: Mode = values.quick ? "quick" : "full";
const selected = (values.only ? values.only.split(",").map((s) => s.trim().toUpperCase()) : Object.keys(WORKLOADS)) as WorkloadId[];
for (const id of selected) if (!(id in WORKLOADS)) throw new Error(`--only: unknown workload "${id}"; expected some of ${Object.keys(WORKLOADS).join(", ")}`);
const out = values.out ?? join(REPO_ROOT, "bench/RESULTS.md");
const profileRoot = join(WORK_DIR, "profiles");

const log = (text: string) => process.stderr.write(`${text}\n`);
const context: WorkloadContext = {
  log,
  ...(values.profile
    ? {
        profileDir: (workload: string) => {
          const dir = join(profileRoot, workload);
          mkdirSync(dir, { recursive: true });
          return dir;
        },
      }
    : {}),
};

if (!values["no-build"]) {
  log("building dist/ (the fixture projects use the package as installed)…");
  // tsc emits even when it reports type errors; a half-edited file elsewhere in a shared checkout
  // must not stop the benchmark, but the reader is told.
  const build = spawnSync(process.execPath, [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: REPO_ROOT, encoding: "utf8" });
  if (build.status !== 0) {
    if (!existsSync(join(REPO_ROOT, "dist/index.js"))) throw new Error(`the build failed and dist/ is missing:\n${build.stdout}${build.stderr}`);
    log(`warning: the build reported type errors (dist/ was emitted anyway):\n${build.stdout.split("\n").slice(0, 5).join("\n")}`);
  }
}
if (values.profile) rmSync(profileRoot, { recursive: true, force: true });

const machine = describeMachine();
const reports: WorkloadReport[] = [];
const started = performance.now();
for (const id of selected) {
  log(`${id}…`);
  const t0 = performance.now();
  const report = await WORKLOADS[id](mode, context);
  reports.push(report);
  const summary = report.targets.map((t) => `${t.what}: ${t.observed} (${t.met ? "met" : "MISSED"}, bar ${t.bar})`).join("; ");
  log(`${id} done in ${((performance.now() - t0) / 1000).toFixed(1)} s${summary ? ` — ${summary}` : ""}`);
}
if (values.profile) {
  for (const report of reports) {
    const dir = join(profileRoot, report.id.toLowerCase());
    let files: string[] = [];
    try {
      files = readdirSync(profileRoot).filter((d) => d.startsWith(report.id.toLowerCase())).flatMap((d) => readdirSync(join(profileRoot, d)).map((f) => join(profileRoot, d, f)));
    } catch {
      files = [];
    }
    for (const file of files.filter((f) => f.endsWith(".cpuprofile"))) {
      const hot = hotFunctions(readCpuProfile(file), 10);
      report.notes.push(`CPU profile \`${relative(REPO_ROOT, file)}\` (worker), self time: ${hot.map((h) => `${h.where} ${(h.share * 100).toFixed(1)}%`).join("; ")}.`);
    }
    void dir;
  }
}
const command = `npm run bench${mode === "quick" ? " -- --quick" : ""}${values.only ? ` (only ${selected.join(", ")})` : ""}`;
// The written analysis of what bounds missed targets travels with every regenerated file.
const analysisPath = join(REPO_ROOT, "bench/ANALYSIS.md");
const analysis = existsSync(analysisPath) ? `\n${readFileSync(analysisPath, "utf8")}` : "";
writeFileSync(out, renderResults(mode, machine, reports, command) + analysis);
log(`wrote ${relative(process.cwd(), out)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
