import { isAbsolute, resolve } from "node:path";

/** Where the report goes by default when `CI` is set and nothing else says otherwise. */
export const DEFAULT_JUNIT_PATH = "reports/experiments.junit.xml";

export interface JUnitPathInput {
  /** The reporter option `junit`: a path, `true` for the default path, `false` for no report. */
  option?: string | boolean | undefined;
  /** Usually `process.env`; read for `VITEST_EXPERIMENTS_JUNIT` and `CI`. */
  env: Readonly<Record<string, string | undefined>>;
  /** Relative paths are resolved against this (the Vitest project root). */
  root: string;
}

/**
 * The absolute path of the JUnit report, or undefined when none is to be written. In order:
 * the option (`false` turns the report off whatever the environment says), then
 * `VITEST_EXPERIMENTS_JUNIT` (`false`/`0` turn it off), then `reports/experiments.junit.xml`
 * when `CI` is set to anything but `false`/`0`.
 */
export function resolveJUnitPath({ option, env, root }: JUnitPathInput): string | undefined {
  if (option === false) return undefined;
  if (typeof option === "string" && option.trim() !== "") return absolute(option.trim(), root);
  if (option === true) return absolute(DEFAULT_JUNIT_PATH, root);
  const fromEnv = env.VITEST_EXPERIMENTS_JUNIT?.trim();
  if (fromEnv) return isOff(fromEnv) ? undefined : absolute(fromEnv, root);
  const ci = env.CI?.trim();
  if (ci && !isOff(ci)) return absolute(DEFAULT_JUNIT_PATH, root);
  return undefined;
}

function isOff(value: string): boolean {
  return value.toLowerCase() === "false" || value === "0";
}

function absolute(path: string, root: string): string {
  return isAbsolute(path) ? path : resolve(root, path);
}
