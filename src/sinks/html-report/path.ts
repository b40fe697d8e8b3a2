import { isAbsolute, resolve } from "node:path";

/** Where the report goes for `report: true`. */
export const DEFAULT_REPORT_PATH = "reports/experiments.html";

export interface ReportPathInput {
  /** The `report` option: a path, `true` for the default path, `false` for no report. */
  option?: string | boolean | undefined;
  /** Usually `process.env`; read for `VITEST_EXPERIMENTS_REPORT`. */
  env: Readonly<Record<string, string | undefined>>;
  /** Relative paths are resolved against this (the Vitest project root). */
  root: string;
}

/**
 * The absolute path of the HTML report, or undefined when none is to be written: the option
 * (`false` turns it off whatever the environment says), else `VITEST_EXPERIMENTS_REPORT`
 * (`false`/`0` off, `true`/`1` the default path). No report unless asked for.
 */
export function resolveReportPath({ option, env, root }: ReportPathInput): string | undefined {
  if (option === false) return undefined;
  if (typeof option === "string" && option.trim() !== "") return absolute(option.trim(), root);
  if (option === true) return absolute(DEFAULT_REPORT_PATH, root);
  const fromEnv = env.VITEST_EXPERIMENTS_REPORT?.trim();
  if (!fromEnv) return undefined;
  const lower = fromEnv.toLowerCase();
  if (lower === "false" || lower === "0") return undefined;
  if (lower === "true" || lower === "1") return absolute(DEFAULT_REPORT_PATH, root);
  return absolute(fromEnv, root);
}

function absolute(path: string, root: string): string {
  return isAbsolute(path) ? path : resolve(root, path);
}
