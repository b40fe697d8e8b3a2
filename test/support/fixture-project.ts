import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (fixture projects are made under its `test/.tmp/`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * What the fixture projects run on. By default this repository's own: the built package (`dist/`),
 * its `vitest` and the Node running the tests. The compatibility matrix (scripts/matrix.mjs) points
 * the same test files at another configuration: the packed tarball installed into a fresh project
 * with another Vitest, run by another Node binary.
 */
export const E2E_TARGET = {
  /** The Node binary that runs `vitest` and the CLI in fixture projects. */
  node: process.env.VITEST_EXPERIMENTS_E2E_NODE || process.execPath,
  /** The `vitest` package linked into fixture projects. */
  vitestDir: process.env.VITEST_EXPERIMENTS_E2E_VITEST || join(REPO_ROOT, "node_modules/vitest"),
  /** The `vitest-experiments` package linked into fixture projects. */
  packageDir: process.env.VITEST_EXPERIMENTS_E2E_PACKAGE || REPO_ROOT,
};
/** The version of the `vitest` linked into fixture projects (e.g. for its default blob report folder). */
export const E2E_VITEST_VERSION: string = (JSON.parse(readFileSync(join(E2E_TARGET.vitestDir, "package.json"), "utf8")) as { version: string }).version;
/** The `vitest` binary fixture projects run. */
export const VITEST_BIN = join(E2E_TARGET.vitestDir, "vitest.mjs");
/** The package's own CLI (`vitest-experiments`). */
export const PACKAGE_CLI = join(E2E_TARGET.packageDir, "dist/cli.js");

const DEFAULT_CONFIG = `import { defineConfig } from "vitest/config";
import { experimentsProject } from "vitest-experiments/config";
export default defineConfig({ test: { projects: [experimentsProject()] } });
`;

export interface FixtureProject {
  dir: string;
  write(path: string, content: string): Promise<void>;
  read(path: string): Promise<string>;
  /** Runs the real `vitest` binary in the project. */
  vitest(args: string[], options?: { env?: Record<string, string | undefined>; timeoutMs?: number; node?: string }): Promise<VitestRun>;
}

export interface VitestRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr, without colour codes. */
  output: string;
}

/**
 * A throwaway project on disk with `vitest-experiments` and `vitest` linked from `E2E_TARGET`
 * (this repository by default), as a user's project would have them installed.
 */
export async function createFixtureProject(files: Record<string, string>): Promise<FixtureProject> {
  const base = join(REPO_ROOT, "test/.tmp");
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, "project-"));
  await mkdir(join(dir, "node_modules"), { recursive: true });
  await symlink(E2E_TARGET.packageDir, join(dir, "node_modules/vitest-experiments"), "dir");
  await symlink(E2E_TARGET.vitestDir, join(dir, "node_modules/vitest"), "dir");
  const project: FixtureProject = {
    dir,
    async write(path, content) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    },
    read: (path) => readFile(join(dir, path), "utf8"),
    vitest: (args, options = {}) => runVitest(dir, args, options),
  };
  await project.write("package.json", JSON.stringify({ name: "fixture", type: "module", private: true }));
  if (!("vitest.config.mjs" in files)) await project.write("vitest.config.mjs", DEFAULT_CONFIG);
  for (const [path, content] of Object.entries(files)) await project.write(path, content);
  return project;
}

export function runVitest(
  cwd: string,
  args: string[],
  { env = {}, timeoutMs = 120_000, node = E2E_TARGET.node }: { env?: Record<string, string | undefined>; timeoutMs?: number; node?: string } = {},
): Promise<VitestRun> {
  return runNode([VITEST_BIN, ...args], cwd, env, timeoutMs, node);
}

/** Runs Node (`E2E_TARGET.node` unless another binary is given) with the arguments. */
export function runNode(args: string[], cwd: string, env: Record<string, string | undefined> = {}, timeoutMs = 120_000, node = E2E_TARGET.node): Promise<VitestRun> {
  return new Promise((resolvePromise, reject) => {
    const childEnv: Record<string, string | undefined> = { ...process.env, CI: "", GITHUB_STEP_SUMMARY: "", NO_COLOR: "1", FORCE_COLOR: "0", VITEST: undefined, VITEST_MODE: undefined, VITEST_POOL_ID: undefined, VITEST_WORKER_ID: undefined, ...env };
    for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
    const child = spawn(node, args, { cwd, env: childEnv as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      // eslint-disable-next-line no-control-regex
      const output = (stdout + "\n" + stderr).replace(/\u001b\[[0-9;]*m/g, "");
      resolvePromise({ exitCode, signal, stdout, stderr, output });
    });
  });
}

/** Vitest's JSON report, trimmed to what the tests assert on. */
export interface JsonReport {
  testResults: { name: string; status: string; message: string; assertionResults: { fullName: string; title: string; ancestorTitles: string[]; status: string; failureMessages: string[] }[] }[];
}

export async function readJsonReport(project: FixtureProject, path = "report.json"): Promise<JsonReport> {
  return JSON.parse(await project.read(path)) as JsonReport;
}

/** `{ "qa > q1": "passed", ... }` */
export function testStates(report: JsonReport): Record<string, string> {
  return Object.fromEntries(report.testResults.flatMap((f) => f.assertionResults.map((a) => [a.fullName, a.status])));
}
