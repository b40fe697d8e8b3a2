#!/usr/bin/env node
// The README's test command (`npm test`): builds the package, makes sure what the tests need is
// installed (each `scripts/prerequisites/*.mjs` installs one thing into a cache the machine keeps,
// and is quick when it is already there), then runs the unit and end-to-end suites with the
// installed tools announced to the tests through environment variables, and last the
// compatibility matrix (scripts/matrix.mjs: the end-to-end suite on Node 22 and 24 with Vitest 5).
//
// Outside CI a prerequisite that cannot be installed is a warning and the tests that need it skip
// saying why; with CI set it fails the run, so CI can never pass without the real components.
import { spawnSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ci = Boolean(process.env.CI) && process.env.CI !== "false";
const started = Date.now();

function step(title) {
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`\n▶ ${title} (t+${seconds}s)`);
}

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

step("build");
run("npm", ["run", "build", "--silent"]);

const env = {};
const prerequisites = (await readdir(join(root, "scripts/prerequisites")).catch(() => [])).filter((file) => file.endsWith(".mjs")).sort();
for (const file of prerequisites) {
  step(`prerequisite ${file}`);
  const { ensure } = await import(pathToFileURL(join(root, "scripts/prerequisites", file)).href);
  try {
    Object.assign(env, await ensure({ ci, log: (line) => console.log(`  ${line}`) }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (ci) {
      console.error(`  ${file} could not install what the tests need: ${message}`);
      process.exit(1);
    }
    console.warn(`  ${file}: ${message}; the tests that need it will skip`);
  }
}
for (const [key, value] of Object.entries(env)) console.log(`  ${key}=${value}`);

step("unit and end-to-end suites");
run(join(root, "node_modules/.bin/vitest"), ["run", "--project", "unit", "--project", "e2e"], env);

step("compatibility matrix (scripts/matrix.mjs)");
const { runMatrix } = await import(pathToFileURL(join(root, "scripts/matrix.mjs")).href);
const matrix = await runMatrix({ env, ci, log: (line) => console.log(`  ${line}`) });
if (matrix.some((result) => result.status === "failed")) process.exit(1);

step(`done in ${((Date.now() - started) / 1000).toFixed(0)}s`);
