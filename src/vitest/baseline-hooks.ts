import { projectRoot } from "../datasets/project-root.js";
import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../record/types.js";
import { resolveGateBaseline, type GateBaseline } from "../store/gate-baseline.js";
import { writeBaselineFile } from "../store/baseline-file.js";
import { openStore, resolveStoreDir } from "../store/index.js";
import type { ExperimentStore } from "../store/types.js";
import { workerSettings } from "./worker-settings.js";


let store: ExperimentStore | undefined | null = null;

function workerStore(): ExperimentStore | undefined {
  if (store !== null) return store;
  const settings = workerSettings();
  if (settings?.storeDir === false) return (store = undefined);
  return (store = openStore(resolveStoreDir({ root: projectRoot(), dir: settings?.storeDir || undefined })));
}

export type { GateBaseline };

/** The gates test's baseline (see `resolveGateBaseline`), from the store the reporter writes. */
export function resolveWorkerGateBaseline(experiment: ExperimentDescriptor, evalFile: string | undefined): Promise<GateBaseline | undefined> {
  return resolveGateBaseline(experiment, evalFile, workerStore());
}

/** `vitest -u`: writes the committed baseline file from this (complete) experiment. */
export async function updateBaselineFile(evalFile: string, result: ExperimentResult, runs: readonly RunRecord[]): Promise<string> {
  return writeBaselineFile(evalFile, result, runs);
}
