import type { ExperimentDescriptor, ExperimentResult, JsonObject, RunRecord } from "../record/types.js";

/**
 * The local experiment store (default `.vitest-experiments/` at the project root): append-only,
 * so a process killed at any moment leaves every completed run readable.
 */
export interface ExperimentStore {
  readonly dir: string;
  /** Opens an experiment; must precede its runs. */
  startExperiment(experiment: ExperimentDescriptor): Promise<void>;
  appendRun(run: RunRecord): Promise<void>;
  finishExperiment(result: ExperimentResult): Promise<void>;
  /**
   * Appends a sink's own bookkeeping to an experiment (for example the Phoenix upload's server ids
   * and what is still pending). Read back with `readExperiment(...).events`.
   */
  appendEvent(experimentId: string, event: StoreEvent): Promise<void>;
  listExperiments(filter?: { name?: string; dataset?: string }): Promise<StoredExperimentSummary[]>;
  /** By id, or by name (the latest experiment of that name). */
  readExperiment(idOrName: string): Promise<StoredExperiment | undefined>;
  deleteExperiment(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A sink's bookkeeping line; `type` names the sink (e.g. "phoenix"). */
export interface StoreEvent extends JsonObject {
  type: string;
}

export interface StoredExperimentSummary {
  experiment: ExperimentDescriptor;
  /** Absent when the experiment never finished (killed, or still running). */
  result?: ExperimentResult;
  runCount: number;
  status: ExperimentResult["status"] | "incomplete";
}

export interface StoredExperiment extends StoredExperimentSummary {
  runs: RunRecord[];
  events: StoreEvent[];
}
