import { readFileSync } from "node:fs";

let version: string | undefined;

/** This package's version (from its package.json, two folders up from `dist/` or `src/`). */
export function packageVersion(): string {
  if (version !== undefined) return version;
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version?: string };
    version = pkg.version ?? "unknown";
  } catch {
    version = "unknown";
  }
  return version;
}
