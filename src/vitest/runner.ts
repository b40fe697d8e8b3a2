import { TestRunner } from "vitest";
import type { SerializedConfig } from "vitest";
import { setProjectRoot } from "../datasets/project-root.js";
import { readExperimentMeta } from "./meta.js";
import { cancelActiveExperiments, runtime } from "./runtime.js";

type RunnerFile = Parameters<TestRunner["onCollectStart"]>[0];
type CancelReason = Parameters<TestRunner["cancel"]>[0];
type RunnerSuite = Parameters<TestRunner["onBeforeRunSuite"]>[0];

/**
 * Vitest's own runner plus what experiments need from it: the project root (dataset paths
 * resolve from it), the eval file being collected (for error messages and committed
 * baselines), whether `-u` asked to update baselines, and cancellation of in-flight task calls
 * when the run is interrupted, so Ctrl-C stops LLM calls instead of waiting for them.
 *
 * It also lets Vitest start only twice as many of an experiment's run tests at once as the
 * experiment's `concurrency`: Vitest reads `maxConcurrency` when it starts a suite's group of
 * concurrent tests, so setting it per experiment suite keeps the others queued inside Vitest
 * (cheap) instead of started and waiting on the engine (each holding a test context; at 100,000
 * runs that was most of a worker's memory and garbage collection, and every run's duration
 * included its wait). Twice, not once: a run waiting out a provider's `Retry-After` lends its
 * engine slot to another run (run-slots.ts), which must already be started to take it. The engine
 * enforces the concurrency itself, so a Vitest that reads the value differently only loses the
 * saving.
 */
export default class ExperimentsRunner extends TestRunner {
  /** `maxConcurrency` outside each experiment suite being run, restored when it ends. */
  readonly #outerMaxConcurrency: number[] = [];

  constructor(config: SerializedConfig) {
    super(config);
    setProjectRoot(config.root);
    runtime().updateBaselines = config.snapshotOptions?.updateSnapshot === "all";
  }

  override onCollectStart(file: RunnerFile): void {
    runtime().currentFile = file.filepath;
    super.onCollectStart(file);
  }

  override async onBeforeRunSuite(suite: RunnerSuite): Promise<void> {
    const experiment = readExperimentMeta(suite.meta);
    if (experiment) {
      this.#outerMaxConcurrency.push(this.config.maxConcurrency);
      this.config.maxConcurrency = Math.min(this.config.maxConcurrency, 2 * experiment.descriptor.config.concurrency);
    }
    await super.onBeforeRunSuite(suite);
  }

  override async onAfterRunSuite(suite: RunnerSuite): Promise<void> {
    if (readExperimentMeta(suite.meta)) this.config.maxConcurrency = this.#outerMaxConcurrency.pop() ?? this.config.maxConcurrency;
    await super.onAfterRunSuite(suite);
  }

  override cancel(reason: CancelReason): void {
    cancelActiveExperiments(`run cancelled (${reason})`);
    super.cancel(reason);
  }
}
