/**
 * State the custom runner shares with `experiment()` inside one worker. Kept on globalThis under
 * registered symbols so that two copies of this module (the package loaded through two paths)
 * still agree.
 */
import type { ExperimentExecutor } from "../engine/executor.js";

interface Runtime {
  currentFile?: string;
  updateBaselines: boolean;
  active: Set<ExperimentExecutor>;
  namesByFile: Map<string, Set<string>>;
}

const KEY = Symbol.for("vitest-experiments.runtime");

export function runtime(): Runtime {
  const global = globalThis as Record<symbol, Runtime | undefined>;
  return (global[KEY] ??= { updateBaselines: false, active: new Set(), namesByFile: new Map() });
}

/** Cancels every experiment running in this worker (Vitest was interrupted). */
export function cancelActiveExperiments(reason: string): void {
  for (const executor of runtime().active) executor.cancel(reason);
}
