import type { Reporter, TestCase, TestModule, TestRunEndReason, TestSuite, Vitest } from "vitest/node";
import { buildResult } from "../record/stats.js";
import type { ExperimentDescriptor, RunRecord } from "../record/types.js";
import { composeSinks } from "../sinks/compose.js";
import type { ExperimentSink, SinkOutput } from "../sinks/types.js";
import { dropExamplesMeta, readExperimentMeta, readResultMeta, readRunMeta, readSpansMeta } from "../vitest/meta.js";
import { createDefaultSinks, type SinkOptions } from "./default-sinks.js";
import { createTraceSink } from "./trace-sink.js";
import type { SpanExportSink } from "../tracing/span-export-sink.js";
import { holdExitOnSignals } from "./interrupt-signals.js";
import { newExperimentId } from "../engine/prepare.js";
import { describeVerdict, gatesFailed } from "../record/gates.js";
import { openStore, resolveStoreDir } from "../store/index.js";
import type { ExperimentStore } from "../store/types.js";
import { describeMissing, judgeMergedExperiment, mergeShardReports, shardGroupKey, type ShardReport } from "./shard-merge.js";

export type ExperimentsReporterOptions = SinkOptions;

const MARK = Symbol.for("vitest-experiments.reporter");

/**
 * The Vitest reporter (main process) that turns the records experiments write on `task.meta`
 * into sink calls: the terminal summary, JUnit XML, the step summary, the local store, Phoenix.
 * Sinks are created per test run (a watch-mode re-run is a new run) and every sink call goes
 * through one queue, so a sink sees an experiment's start before its runs and its runs before
 * its end, whatever order Vitest delivers events in and however slow a sink is.
 */
export class ExperimentsReporter implements Reporter {
  readonly [MARK] = true;
  #vitest: Vitest | undefined;
  #sinks: Required<ExperimentSink> | undefined;
  /** Exports the spans runs recorded in the workers, when tracing is on (created with the sinks). */
  #traces: SpanExportSink | undefined;
  #queue: Promise<void> = Promise.resolve();
  #store: ExperimentStore | undefined;
  /** Experiments started and not finished in this test run, by descriptor id, with the runs already handed to the sinks. */
  #open = new Map<string, { descriptor: ExperimentDescriptor; suite: TestSuite; delivered: Set<string> }>();
  /** `--merge-reports`: the shards' reports of each sharded experiment, merged when the replay ends. */
  #shardReports = new Map<string, (Omit<ShardReport, "runs"> & { suite: TestSuite })[]>();
  /** Watch-mode memory: each experiment's previous means, kept across re-runs. */
  readonly #previousMeans = new Map<string, Record<string, number>>();

  constructor(readonly options: ExperimentsReporterOptions = {}) {}

  static isExperimentsReporter(value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARK] === true;
  }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
    // Vitest exits on SIGINT/SIGTERM without onTestRunEnd: close what is open as interrupted first.
    const release = holdExitOnSignals(() => this.#interrupt());
    vitest.onClose(release);
  }

  onTestRunStart(): void {
    this.#open.clear();
    this.#shardReports.clear();
    this.#sinks = undefined;
    this.#traces = undefined;
  }

  onTestSuiteReady(suite: TestSuite): void {
    const meta = readExperimentMeta(suite.meta());
    if (!meta) return;
    if (meta.descriptor.shard && this.#merging()) {
      // One shard's part of an experiment: held until every report has been replayed.
      const key = shardGroupKey(suite.project.name, meta.descriptor);
      const reports = this.#shardReports.get(key) ?? [];
      reports.push({ descriptor: meta.descriptor, examples: meta.examples, suite });
      this.#shardReports.set(key, reports);
      return;
    }
    this.#open.set(meta.descriptor.id, { descriptor: meta.descriptor, suite, delivered: new Set() });
    const { descriptor, examples } = meta;
    this.#enqueue((sinks) => sinks.experimentStarted(descriptor, examples));
    if (descriptor.shard) dropExamplesMeta(suite.meta());
  }

  onTestCaseResult(testCase: TestCase): void {
    const run = readRunMeta(testCase.meta());
    if (!run) return;
    const open = this.#open.get(run.experimentId);
    // Not open any more: #finish already handed this run over.
    if (!open || open.delivered.has(run.runId)) return;
    open.delivered.add(run.runId);
    this.#deliver(testCase, run, open.descriptor);
  }

  onTestSuiteResult(suite: TestSuite): void {
    const meta = readExperimentMeta(suite.meta());
    if (!meta || !this.#open.has(meta.descriptor.id)) return;
    this.#finish(meta.descriptor.id, false);
  }

  async onTestRunEnd(_modules: ReadonlyArray<TestModule>, _errors: unknown, reason: TestRunEndReason): Promise<void> {
    for (const id of [...this.#open.keys()]) this.#finish(id, reason === "interrupted");
    for (const reports of this.#shardReports.values()) this.#finishMerged(reports);
    this.#shardReports.clear();
    if (this.#sinks) this.#enqueue((sinks) => sinks.close());
    await this.#queue;
  }

  /** The process is being stopped: experiments under way end as interrupted, sinks flush. */
  async #interrupt(): Promise<void> {
    if (this.#open.size > 0) {
      for (const id of [...this.#open.keys()]) this.#finish(id, true);
      this.#enqueue((sinks) => sinks.close());
    }
    await this.#queue;
  }

  #finish(id: string, interrupted: boolean): void {
    const open = this.#open.get(id)!;
    this.#open.delete(id);
    const { descriptor, suite, delivered } = open;
    let result = undefined;
    const runs: RunRecord[] = [];
    for (const test of suite.children.allTests()) {
      result ??= readResultMeta(test.meta());
      const run = readRunMeta(test.meta());
      if (!run) continue;
      runs.push(run);
      // Vitest reports test results from concurrent update batches, so a run's onTestCaseResult can
      // come after its suite's onTestSuiteResult (or never, when the process is being stopped):
      // every run the suite holds reaches the sinks before the experiment's end.
      if (!delivered.has(run.runId)) {
        delivered.add(run.runId);
        this.#deliver(test, run, descriptor);
      }
    }
    // Without the gates test's own verdict (filtered out with -t, or interrupted), the gates are
    // computed here over the runs that did complete, and can only be partial.
    if (!result || interrupted) {
      result = buildResult(descriptor, runs, { partial: true, interrupted });
    }
    const final = result;
    this.#enqueue((sinks) => sinks.experimentFinished(final));
  }

  /**
   * `--merge-reports`: one experiment from its shards' reports, to the sinks as one unsharded run
   * would have delivered it, with the verdict the shards could not give alone. The process fails
   * when a gate fails, and when a shard's report is missing (its runs are missing: the gates are
   * partial, and a CI merge job must not pass over data that did not run).
   */
  #finishMerged(reports: readonly (Omit<ShardReport, "runs"> & { suite: TestSuite })[]): void {
    const withRuns = reports.map((report) => ({ ...report, runs: runsOf(report.suite) }));
    const merged = mergeShardReports(withRuns, newExperimentId());
    const { descriptor, examples, runs, problems } = merged;
    const logger = this.#output();
    const root = this.#vitest?.config.root ?? process.cwd();
    for (const problem of problems) logger.warn(`vitest-experiments: experiment "${descriptor.name}": the shards' reports do not match: ${problem}.`);
    this.#enqueue(async (sinks) => {
      const result = await judgeMergedExperiment(merged, { root, store: this.#baselineStore() });
      await sinks.experimentStarted(descriptor, examples);
      for (const run of runs) await sinks.runCompleted(run, descriptor);
      await sinks.experimentFinished(result);
      const missing = describeMissing(merged);
      if (missing) {
        process.exitCode = 1;
        logger.warn(`vitest-experiments: ${missing}`);
      }
      if (gatesFailed(result.gates)) {
        process.exitCode = 1;
        logger.warn(`GatesFailedError: gates failed for experiment "${descriptor.name}":\n${result.gates.map(describeVerdict).join("\n")}`);
      }
    });
  }

  /** The store the merged experiments' baselines come from: the one the store sink writes. */
  #baselineStore(): ExperimentStore | undefined {
    if (this.options.storeDir === false) return undefined;
    return (this.#store ??= openStore(resolveStoreDir({ root: this.#vitest?.config.root ?? process.cwd(), dir: this.options.storeDir })));
  }

  /** Replaying blob reports (`vitest --merge-reports`) rather than running tests. */
  #merging(): boolean {
    return Boolean(this.#vitest?.config.mergeReports);
  }

  /** A run to the sinks, its spans (recorded in the worker) to the trace export just before. */
  #deliver(test: TestCase, run: RunRecord, descriptor: ExperimentDescriptor): void {
    const spans = readSpansMeta(test.meta());
    this.#enqueue((sinks) => {
      if (spans.length > 0) this.#traces?.collect(descriptor, spans);
      return sinks.runCompleted(run, descriptor);
    });
  }

  #enqueue(call: (sinks: Required<ExperimentSink>) => void | Promise<void>): void {
    const sinks = (this.#sinks ??= this.#createSinks());
    this.#queue = this.#queue.then(() => call(sinks)).catch((error) => this.#output().warn(`vitest-experiments: ${String(error)}`));
  }

  #createSinks(): Required<ExperimentSink> {
    const output = this.#output();
    // Merging reports uploads nothing (see SinkContext.replaying).
    const replaying = this.#merging();
    const defaults = createDefaultSinks(this.options, { replaying, output, previousMeans: this.#previousMeans, root: this.#vitest?.config.root ?? process.cwd() });
    // After the Phoenix sink: an experiment's spans are exported once the server named its project.
    this.#traces = replaying ? undefined : createTraceSink(this.options, defaults, output);
    return composeSinks(this.#traces ? [...defaults, this.#traces] : defaults, output);
  }

  #output(): SinkOutput {
    const logger = this.#vitest?.logger;
    return {
      log: (text) => (logger ? logger.log(text) : console.log(text)),
      warn: (text) => (logger ? logger.warn(text) : console.warn(text)),
    };
  }
}

/** The runs a suite's test cases recorded. */
function runsOf(suite: TestSuite): RunRecord[] {
  const runs: RunRecord[] = [];
  for (const test of suite.children.allTests()) {
    const run = readRunMeta(test.meta());
    if (run) runs.push(run);
  }
  return runs;
}
