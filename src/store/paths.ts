import { join, resolve } from "node:path";

/** Environment variable that moves the local store. */
export const STORE_DIR_ENV = "VITEST_EXPERIMENTS_DIR";
/** The store's directory, relative to the project root, when nothing else is said. */
export const DEFAULT_STORE_DIR = ".vitest-experiments";

export interface StoreDirOptions {
  /** The project root; relative directories are resolved from it. */
  root: string;
  /** An explicit directory (reporter option, CLI `--dir`); wins over the environment. */
  dir?: string | undefined;
  env?: Record<string, string | undefined>;
}

/** Where the store lives: the explicit directory, else `VITEST_EXPERIMENTS_DIR`, else `.vitest-experiments/`. */
export function resolveStoreDir({ root, dir, env = process.env }: StoreDirOptions): string {
  const chosen = nonEmpty(dir) ?? nonEmpty(env[STORE_DIR_ENV]) ?? DEFAULT_STORE_DIR;
  return resolve(root, chosen);
}

/** The experiment log of one experiment id. Ids are encoded so that none can escape the folder. */
export function experimentLogPath(storeDir: string, experimentId: string): string {
  return join(storeDir, "experiments", `${encodeURIComponent(experimentId)}.jsonl`);
}

export function experimentsDir(storeDir: string): string {
  return join(storeDir, "experiments");
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value : undefined;
}
