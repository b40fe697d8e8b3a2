import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import type { Machine } from "./report.js";
import { REPO_ROOT } from "./vitest-project.js";

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

export function describeMachine(): Machine {
  return {
    date: new Date().toISOString(),
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: totalmem() / 1024 ** 3,
    node: process.version,
    vitest: versionOf("vitest"),
    phoenixClient: versionOf("@arizeai/phoenix-client"),
    loadAverage: loadavg(),
  };
}
