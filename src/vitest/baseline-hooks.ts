import { inject } from "vitest";
import { projectRoot } from "../datasets/project-root.js";
import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../record/types.js";
import { resolveBaseline } from "../store/baselines.js";
import { writeBaselineFile } from "../store/baseline-file.js";
import { openStore, resolveStoreDir } from "../store/index.js";
import type { ExperimentStore } from "../store/types.js";
import { PROVIDE_KEY, type ProvidedSettings } from "./provided.js";


let store: ExperimentStore | undefined | null = null;

function workerStore(): ExperimentStore | undefined {
  if (store !== null) return store;
  let settings: ProvidedSettings | undefined;
  try {
    settings = inject(PROVIDE_KEY as never) as ProvidedSettings | undefined;
  } catch {
    settings = undefined;
  }
  if (settings?.storeDir === false) return (store = undefined);
  return (store = openStore(resolveStoreDir({ root: projectRoot(), dir: settings?.storeDir || undefined })));
}

/**
 * The gates test's baseline, for `maxDrop`: the experiment's `baseline` option, the committed
 * `__baselines__` file next to the eval file, or the latest passing experiment in the store.
 */
export async function resolveGateBaseline(experiment: ExperimentDescriptor, evalFile: string | undefined): Promise<{ means: Record<string, number> } | undefined> {
  const baseline = await resolveBaseline({ store: workerStore(), experiment, evalFile });
  return baseline ? { means: baseline.means } : undefined;
}

/** `vitest -u`: writes the committed baseline file from this (complete) experiment. */
export async function updateBaselineFile(evalFile: string, result: ExperimentResult, runs: readonly RunRecord[]): Promise<string> {
  return writeBaselineFile(evalFile, result, runs);
}
