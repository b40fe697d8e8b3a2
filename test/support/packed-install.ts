import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "./fixture-project.js";

/**
 * What a user gets from npm: this repository's `npm pack` tarball installed into a fresh project
 * under `test/.tmp/`, beside the given dev dependencies (e.g. `{ vitest: "4.1.12" }`). Needs a
 * built `dist/`. Returns the project's directory.
 */
export async function installPackedTarball(devDependencies: Record<string, string>, { npmArgs = [] as string[] } = {}): Promise<string> {
  const base = join(REPO_ROOT, "test/.tmp");
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, "packed-"));
  const packed = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", dir], { cwd: REPO_ROOT, encoding: "utf8" }).trim().split("\n").at(-1)!;
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "fresh-project", private: true, type: "module", devDependencies: { ...devDependencies, "vitest-experiments": `file:./${packed}` } }, null, 2),
  );
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", ...npmArgs], { cwd: dir, stdio: "pipe" });
  return dir;
}
