import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../record/types.js";
import { StoreError } from "../store/errors.js";
import type { ExperimentStore } from "../store/types.js";
import type { ExperimentSink } from "./types.js";
import type { Example } from "../datasets/types.js";
import type { StoreEvent } from "../store/types.js";

/** The store event that keeps the examples an experiment ran (read back by the HTML report). */
export function examplesEvent(examples: readonly Example[]): StoreEvent {
  return { type: "examples", examples: examples.map(({ id, input, expected, metadata }) => ({ id, input, expected, metadata })) };
}

/**
 * Streams experiments into the local store as runs finish. Dry runs write nothing.
 *
 * A store that cannot be written (unwritable directory, full disk) costs one error per
 * experiment, not one per run: the first failure is thrown (the sink composer reports it), later
 * ones are counted and reported once when the experiment finishes. Other sinks never wait on it.
 */
export function createStoreSink(store: ExperimentStore): ExperimentSink {
  /** Resolves to whether the experiment's header reached the store. */
  const opened = new Map<string, Promise<boolean>>();
  const failures = new Map<string, { first: unknown; more: number }>();

  /** Runs `write`; the first failure of an experiment is thrown, the rest are counted. */
  async function guarded(experimentId: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      const seen = failures.get(experimentId);
      if (seen) {
        seen.more += 1;
        return;
      }
      failures.set(experimentId, { first: error, more: 0 });
      throw error;
    }
  }

  async function isOpen(experimentId: string): Promise<boolean> {
    return (await opened.get(experimentId)) ?? true;
  }

  return {
    name: "store",

    experimentStarted(experiment: ExperimentDescriptor, examples: readonly Example[] = []): Promise<void> | void {
      if (experiment.dryRun !== null) return;
      // The examples go in with the header, so a report made later from the store shows each
      // run's input and expected output (runs carry only the example id).
      const start = store.startExperiment(experiment).then(() => (examples.length > 0 ? store.appendEvent(experiment.id, examplesEvent(examples)) : undefined));
      opened.set(
        experiment.id,
        start.then(
          () => true,
          () => false,
        ),
      );
      return start;
    },

    async runCompleted(run: RunRecord, experiment: ExperimentDescriptor): Promise<void> {
      if (experiment.dryRun !== null || !(await isOpen(run.experimentId))) return;
      await guarded(run.experimentId, () => store.appendRun(run));
    },

    async experimentFinished(result: ExperimentResult): Promise<void> {
      const { experiment } = result;
      if (experiment.dryRun !== null || !(await isOpen(experiment.id))) return;
      await guarded(experiment.id, () => store.finishExperiment(result));
      const failed = failures.get(experiment.id);
      if (failed && failed.more > 0) {
        const path = failed.first instanceof StoreError ? failed.first.path : store.dir;
        throw new StoreError(
          `${failed.more} more record${failed.more === 1 ? "" : "s"} of experiment ${JSON.stringify(experiment.name)} (${experiment.id}) could not be written to the store at ${store.dir}.`,
          path,
        );
      }
    },

    async close(): Promise<void> {
      await store.close();
    },
  };
}
