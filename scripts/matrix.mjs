#!/usr/bin/env node
// The compatibility matrix, the last step of `npm test`: the package as users install it (the
// tarball of `npm pack`) in a fresh project with only one Vitest, on another Node, under the same
// end-to-end test files that run against this repository on Node 20 + Vitest 4.
//
// The test files themselves always run in this repository's Vitest on the machine's Node; what
// changes per configuration is what the fixture projects run, which test/support/fixture-project.ts
// reads from three variables: VITEST_EXPERIMENTS_E2E_NODE (the Node binary that runs `vitest` and
// the CLI), VITEST_EXPERIMENTS_E2E_VITEST (the `vitest` package linked into fixture projects) and
// VITEST_EXPERIMENTS_E2E_PACKAGE (the installed `vitest-experiments`).
//
// On its own: `node scripts/matrix.mjs [node22|node24 ...]` (after `npm run build`).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensure as ensureNode, nodeVariable } from "./prerequisites/node.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The end-to-end files every matrix configuration runs: whatever touches the Vitest API (runner,
 * reporter hooks, task meta, the plugin hook, blob reports and --merge-reports) or the Node
 * runtime. A new e2e file joins the matrix by being listed here; the others run on Node 20 only:
 *   packed-tarball      the matrix installs the packed tarball itself, for every configuration
 *   supported-versions  installs Vitest 3 on purpose
 *   reliability-input   declaration and dataset errors, engine code that is the same on every Vitest
 *   tracing             needs the optional OpenTelemetry peers, which the consumer project leaves out
 *   soak                5,000 runs: minutes, and what it proves does not depend on the Vitest major
 *   html-report-browser the page in Chromium: browser code, the same whichever Node and Vitest wrote the file
 */
export const MATRIX_E2E_FILES = [
  "test/e2e/core.test.ts", // collection, run tests, gates, -t filtering, dry runs, concurrency, the store
  "test/e2e/history.test.ts", // baselines (maxDrop), `vitest -u`, watch mode
  "test/e2e/phoenix.test.ts", // upload to the fake Phoenix server, resuming, the CLI
  "test/e2e/interrupt.test.ts", // SIGINT and SIGTERM mid-run
  "test/e2e/blob-merge.test.ts", // task meta through blob reports and --merge-reports
  "test/e2e/project-isolation.test.ts", // what the evals project inherits from the root config (changed in Vitest 5)
  "test/e2e/reliability-output.test.ts", // reporting: terminal, JUnit and step summary under hostile outputs; secrets
  "test/e2e/reliability-faults.test.ts", // failing sinks, Phoenix faults mid-run
  "test/e2e/shards.test.ts", // VITEST_EXPERIMENTS_SHARD, shard-named blob reports in the Vitest's own folder, --merge-reports
  "test/e2e/arize.test.ts", // upload to the fake Arize AX server from the reporter
  "test/e2e/html-report.test.ts", // the HTML report sink, written by the reporter at the end of a run
  "test/e2e/rate-limits.test.ts", // the limiter per provider shape; an SDK's own retries seen through Node's fetch
];

/** The configurations besides Node 20 + Vitest 4 (the repository's own). Keep in step with the README. */
export const CONFIGURATIONS = [
  { id: "node22", name: "Node 22 + Vitest 5", node: 22, vitest: "^5.1.0", vitestMajor: 5 },
  { id: "node24", name: "Node 24 + Vitest 5", node: 24, vitest: "^5.1.0", vitestMajor: 5 },
];

const seconds = (since) => Math.round((Date.now() - since) / 1000);

/**
 * A user's `vitest.config.ts` and eval file, compiled by this repository's TypeScript against the
 * consumer project's installed declarations (the package's and this Vitest's): a type the package
 * borrows from Vitest that changed shape would fail here. Throws with tsc's output.
 */
export function typecheckConsumer(consumer) {
  writeFileSync(
    join(consumer, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ["vitest.config.ts", "evals"] }),
  );
  writeFileSync(
    join(consumer, "vitest.config.ts"),
    `import { defineConfig } from "vitest/config";
import { experimentsProject, experimentsReporterPlugin } from "vitest-experiments/config";
export default defineConfig({
  plugins: [experimentsReporterPlugin({ junit: false })],
  test: { projects: [{ test: { name: "unit", include: ["src/**/*.test.ts"] } }, experimentsProject({ include: ["evals/**/*.eval.ts"], phoenix: false })] },
});
`,
  );
  mkdirSync(join(consumer, "evals"), { recursive: true });
  writeFileSync(
    join(consumer, "evals/sample.eval.ts"),
    `import { experiment, datasets, type TaskContext } from "vitest-experiments";
import { exactMatch } from "vitest-experiments/evaluators";
experiment("sample", {
  dataset: datasets.inline("numbers", [{ id: "a", input: { n: 2 }, output: "4" }]),
  task: async ({ input, signal }: TaskContext<{ n: number }>) => (signal.aborted ? "" : String(input.n * 2)),
  evaluators: [exactMatch(), function has_content({ output }) { return Boolean(output); }],
  thresholds: { exact_match: { mean: 0.8, maxDrop: 0.1 }, has_content: { perRun: 1 } },
  repetitions: 2,
});
`,
  );
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", consumer], { encoding: "utf8" });
  if (tsc.status !== 0) throw new Error(`the consumer project does not typecheck:\n${tsc.stdout}${tsc.stderr}`);
}

/**
 * Runs the matrix and returns one result per configuration. `env` carries the prerequisites'
 * variables (the Node binaries); a configuration whose Node is missing fails under CI and is
 * skipped with a warning otherwise.
 */
export async function runMatrix({ env, ci, log, only = [] }) {
  const configurations = CONFIGURATIONS.filter((c) => only.length === 0 || only.includes(c.id));
  const work = join(root, "test/.tmp/matrix");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  let started = Date.now();
  // `npm test` built dist/ just before; --ignore-scripts skips the second build `prepare` would run.
  const tarball = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", work], { cwd: root, encoding: "utf8" }).trim().split("\n").at(-1);
  log(`packed ${tarball} (${seconds(started)}s)`);

  const results = [];
  for (const configuration of configurations) {
    const node = env[nodeVariable(configuration.node)];
    if (!node) {
      const reason = `${nodeVariable(configuration.node)} is not set (scripts/prerequisites/node.mjs did not install Node ${configuration.node})`;
      if (ci) throw new Error(reason);
      log(`${configuration.name}: skipped, ${reason}`);
      results.push({ configuration, status: "skipped", reason });
      continue;
    }
    try {
      log(`${configuration.name}:`);
      const consumer = join(work, configuration.id);
      mkdirSync(consumer);
      writeFileSync(
        join(consumer, "package.json"),
        JSON.stringify({ name: `matrix-${configuration.id}`, private: true, type: "module", devDependencies: { vitest: configuration.vitest, "vitest-experiments": `file:../${tarball}` } }, null, 2),
      );
      // npm itself runs on the configuration's Node (first on PATH), as it would for a user on it.
      const path = `${dirname(node)}${delimiter}${process.env.PATH ?? ""}`;
      started = Date.now();
      execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: consumer, stdio: "inherit", env: { ...process.env, PATH: path } });
      const installSeconds = seconds(started);

      const vitestDir = join(consumer, "node_modules/vitest");
      // The fixture projects must really run this Vitest on this Node: a wrong link would prove nothing.
      const banner = execFileSync(node, [join(vitestDir, "vitest.mjs"), "--version"], { cwd: consumer, encoding: "utf8" }).trim();
      if (!banner.includes(`vitest/${configuration.vitestMajor}.`) || !banner.includes(`node-v${configuration.node}.`)) {
        throw new Error(`${configuration.name}: the consumer project runs ${banner}, not Vitest ${configuration.vitestMajor} on Node ${configuration.node}`);
      }
      log(`  installed the tarball with ${banner} (${installSeconds}s)`);

      started = Date.now();
      typecheckConsumer(consumer);
      const typecheckSeconds = seconds(started);
      log(`  a user's config and eval file typecheck against the package's declarations and this Vitest's (${typecheckSeconds}s)`);

      started = Date.now();
      const suite = spawnSync(join(root, "node_modules/.bin/vitest"), ["run", "--project", "e2e", ...MATRIX_E2E_FILES], {
        cwd: root,
        stdio: "inherit",
        env: {
          ...process.env,
          ...env,
          VITEST_EXPERIMENTS_E2E_NODE: node,
          VITEST_EXPERIMENTS_E2E_VITEST: vitestDir,
          VITEST_EXPERIMENTS_E2E_PACKAGE: join(consumer, "node_modules/vitest-experiments"),
        },
      });
      const status = suite.status === 0 ? "passed" : "failed";
      results.push({ configuration, status, banner, installSeconds, typecheckSeconds, suiteSeconds: seconds(started) });
      log(`${configuration.name}: end-to-end suite ${status} (${seconds(started)}s)`);
    } catch (error) {
      // Installing or checking this configuration failed: the others still run.
      const reason = error instanceof Error ? error.message : String(error);
      log(`${configuration.name}: ${reason}`);
      results.push({ configuration, status: "failed", reason });
    }
  }
  for (const r of results) {
    log(`  ${r.configuration.name.padEnd(20)} ${r.status.padEnd(8)} ${r.reason ? r.reason.split("\n")[0] : `install ${r.installSeconds}s · typecheck ${r.typecheckSeconds}s · e2e ${r.suiteSeconds}s · ${r.banner}`}`);
  }
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ci = Boolean(process.env.CI) && process.env.CI !== "false";
  const log = (line) => console.log(`  ${line}`);
  const env = await ensureNode({ ci, log });
  const results = await runMatrix({ env, ci, log, only: process.argv.slice(2) });
  process.exit(results.some((r) => r.status === "failed") ? 1 : 0);
}
