import type { Example } from "../datasets/types.js";
import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../record/types.js";

/**
 * A destination for experiment records: the terminal summary, JUnit XML, the Markdown step
 * summary, the local store, Phoenix. Sinks are independent: each one is called in turn and an
 * error in one never stops the others (see `composeSinks`).
 *
 * Order of calls, per experiment: `experimentStarted` once, `runCompleted` once per run as runs
 * finish (in completion order), `experimentFinished` once. `close` is called once when the whole
 * test run ends, after every experiment finished; it is where buffered sinks flush.
 */
export interface ExperimentSink {
  readonly name: string;
  /** `examples` are the examples that will run (after splits and dry-run sampling), in order. */
  experimentStarted?(experiment: ExperimentDescriptor, examples: readonly Example[]): void | Promise<void>;
  runCompleted?(run: RunRecord, experiment: ExperimentDescriptor): void | Promise<void>;
  experimentFinished?(result: ExperimentResult): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** Where sinks write for people to read. Sinks never write to process.stdout themselves. */
export interface SinkOutput {
  log(text: string): void;
  warn(text: string): void;
}
