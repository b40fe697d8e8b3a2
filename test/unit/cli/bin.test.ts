import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureProject } from "./fixture-store.js";

/** The bin itself, as a real process (run from source under tsx: no build needed). */
const projectRoot = fileURLToPath(new URL("../../../", import.meta.url));
const bin = fileURLToPath(new URL("../../../src/cli.ts", import.meta.url));

function vitestExperiments(args: string[], cwd: string, env: Record<string, string> = {}) {
  const { VITEST_EXPERIMENTS_DIR: _ignored, ...inherited } = process.env;
  const tsx = import.meta.resolve("tsx");
  return spawnSync(process.execPath, ["--import", tsx, bin, ...args], { cwd, encoding: "utf8", env: { ...inherited, NO_COLOR: "1", ...env } });
}

let project: Awaited<ReturnType<typeof fixtureProject>>;
beforeAll(async () => {
  project = await fixtureProject();
});
afterAll(async () => {
  await project.remove();
});

describe("the vitest-experiments bin", () => {
  it("reads the store at the project root and exits 0", () => {
    const { status, stdout, stderr } = vitestExperiments(["list"], project.root);
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(stdout).toContain("exp-aaa111");
  });

  it("exits non-zero with one clear line, no stack trace, for an unknown experiment", () => {
    const { status, stdout, stderr } = vitestExperiments(["show", "nope"], project.root);
    expect(status).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^error: No experiment with id or name "nope" in the store at .*\n$/);
  });

  it("exits non-zero on an empty store", () => {
    const { status, stderr } = vitestExperiments(["list"], projectRoot, { VITEST_EXPERIMENTS_DIR: `${project.root}/nothing-here` });
    expect(status).toBe(1);
    expect(stderr).toMatch(/has no experiments/);
  });

  it("prints its version", () => {
    expect(vitestExperiments(["--version"], project.root).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
