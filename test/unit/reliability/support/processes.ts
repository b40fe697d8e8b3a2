/**
 * Helpers for the reliability tests: a vitest child process that can be signalled while it runs,
 * waiting on what it writes to disk (never on the clock), and reading back every artifact a run
 * left behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { E2E_TARGET, VITEST_BIN, type VitestRun } from "../../../support/fixture-project.js";

export interface LiveVitest {
  child: ChildProcess;
  /** Output so far (stdout + stderr). */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<VitestRun>;
}

/** Starts the real vitest binary in `cwd` (the one `E2E_TARGET` names, on its Node) and hands back the live process. */
export function startVitest(cwd: string, args: string[], env: Record<string, string | undefined> = {}, killAfterMs = 150_000): LiveVitest {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    CI: "",
    GITHUB_STEP_SUMMARY: "",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    VITEST: undefined,
    VITEST_MODE: undefined,
    VITEST_POOL_ID: undefined,
    VITEST_WORKER_ID: undefined,
    ...env,
  };
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
  const child = spawn(E2E_TARGET.node, [VITEST_BIN, ...args], { cwd, env: childEnv as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  // A safety net for a hung child, not a timing assertion.
  const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  const exited = new Promise<VitestRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      // eslint-disable-next-line no-control-regex
      const output = (stdout + "\n" + stderr).replace(/\u001b\[[0-9;]*m/g, "");
      resolve({ exitCode, signal, stdout, stderr, output });
    });
  });
  return { child, output: () => stdout + stderr, exited };
}

/**
 * Polls `check` until it returns a value other than undefined/false; fails after `limitMs`, with
 * `context()` (say, the child's output so far) in the message so a stall can be diagnosed.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, limitMs = 120_000, context?: () => string): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${context ? `\n--- so far ---\n${context()}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface StoredLog {
  file: string;
  lines: Array<{ type: string; [key: string]: any }>;
}

/** Every experiment log in a store directory, each line parsed. */
export async function readStoreLogs(storeDir: string): Promise<StoredLog[]> {
  const dir = join(storeDir, "experiments");
  const names = await readdir(dir).catch(() => [] as string[]);
  const logs: StoredLog[] = [];
  for (const name of names.filter((n) => n.endsWith(".jsonl")).sort()) {
    const text = await readFile(join(dir, name), "utf8");
    const lines = text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as StoredLog["lines"][number]);
    logs.push({ file: join(dir, name), lines });
  }
  return logs;
}

/** Number of `run` lines in the store's logs (complete lines only). */
export async function storedRunCount(storeDir: string): Promise<number> {
  const dir = join(storeDir, "experiments");
  const names = await readdir(dir).catch(() => [] as string[]);
  let count = 0;
  for (const name of names) {
    const text = await readFile(join(dir, name), "utf8").catch(() => "");
    count += text.split("\n").filter((l) => l.startsWith('{"type":"run"')).length;
  }
  return count;
}

/** Every regular file under `dir` (following no symlinks), skipping `node_modules`. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
