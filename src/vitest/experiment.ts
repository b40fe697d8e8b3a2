import { describe, expect, test } from "vitest";
import type { TaskMeta } from "vitest";
import { relative } from "node:path";
import { projectRoot } from "../datasets/project-root.js";
import { ExperimentDeclarationError } from "../declaration/errors.js";
import type { ExperimentOptions } from "../declaration/options.js";
import { ExperimentExecutor } from "../engine/executor.js";
import { prepareExperiment } from "../engine/prepare.js";
import { describeVerdict, gatesFailed, judgeRun } from "../record/gates.js";
import { GATES_TEST_NAME, runTestName } from "../record/naming.js";
import { buildResult } from "../record/stats.js";
import { declaredRunCount, formatShard, inShard, type ShardSpec } from "../record/shard.js";
import { resolveShard } from "../declaration/shard.js";
import { resolveRunIdentity } from "../declaration/run-identity.js";
import type { RunRecord } from "../record/types.js";
import { writeExperimentMeta, writeResultMeta, writeRunMeta, writeSpansMeta } from "./meta.js";
import { startWorkerTracing } from "../tracing/worker-tracing.js";
import { envOverrides } from "./env-overrides.js";
import { runtime } from "./runtime.js";
import { workerSettings } from "./worker-settings.js";
import { sanitizeText } from "../sinks/text-safety.js";
import { resolveWorkerGateBaseline, updateBaselineFile } from "./baseline-hooks.js";

/** A run's test case failed: its task, an evaluator, or a perRun bar. */
export class RunFailedError extends Error {
  override name = "RunFailedError";
}

/** An experiment's aggregate gates failed; the message lists every gate. */
export class GatesFailedError extends Error {
  override name = "GatesFailedError";
}

type ExperimentFn = {
  <I = any, O = any, E = any>(name: string, options: ExperimentOptions<I, O, E>): void;
  /** Runs only this experiment in its file (Vitest's `describe.only`). */
  only<I = any, O = any, E = any>(name: string, options: ExperimentOptions<I, O, E>): void;
  /** Skips this experiment (Vitest's `describe.skip`). */
  skip<I = any, O = any, E = any>(name: string, options: ExperimentOptions<I, O, E>): void;
};

/**
 * Declares an experiment in a `*.eval.ts` file: one Vitest test case per example × repetition,
 * named by the example id (with ` [rep i/N]` when repeated), plus one `[gates]` test case that
 * checks the aggregate thresholds after every run. The dataset is loaded when Vitest collects
 * the file, so it may be loaded asynchronously.
 */
export const experiment: ExperimentFn = Object.assign(
  (name: string, options: ExperimentOptions) => declare(describe as SuiteFn, name, options),
  {
    only: (name: string, options: ExperimentOptions) => declare(describe.only as SuiteFn, name, options),
    skip: (name: string, options: ExperimentOptions) => declare(describe.skip as SuiteFn, name, options),
  },
);

type SuiteFn = (name: string, options: { meta: TaskMeta }, factory: () => Promise<void>) => unknown;

function declare(suite: SuiteFn, name: string, options: ExperimentOptions): void {
  const file = runtime().currentFile ?? expect.getState().testPath;
  const shownFile = file ? relative(projectRoot(), file) || file : undefined;
  if (file && typeof name === "string") {
    const names = runtime().namesByFile.get(file) ?? new Set<string>();
    runtime().namesByFile.set(file, names);
    if (names.has(name)) {
      throw new ExperimentDeclarationError(name, "an experiment with this name is already declared in this file; names must be unique per file", shownFile);
    }
    names.add(name);
  }
  // The suite's meta object is filled once the dataset is loaded (at the end of the factory,
  // after the tests are registered, so the tests do not inherit a copy of it).
  const meta = {} as TaskMeta;
  try {
    suite(name, { meta }, async () => {
      const prepared = await prepareExperiment(name, options, { ...(file ? { file } : {}), overrides: envOverrides() });
      const { descriptor, examples } = prepared;
      const shard = currentShard();
      if (shard) {
        let runs = 0;
        for (const example of examples) for (let r = 1; r <= descriptor.repetitions; r++) if (inShard(example.id, r, shard)) runs++;
        descriptor.shard = { ...shard, runs };
        const runId = resolveRunIdentity();
        if (runId) descriptor.runId = runId;
      }
      // Before the executor: tracing wraps the prepared task and evaluators.
      const tracing = await startWorkerTracing(prepared, { phoenix: workerSettings()?.phoenix ?? "env" });
      const executor = new ExperimentExecutor(prepared);
      // Cancellation (Ctrl-C) reaches the experiment's in-flight calls through the runner.
      runtime().active.add(executor);
      const records: RunRecord[] = [];

      for (const example of examples) {
        for (let repetition = 1; repetition <= descriptor.repetitions; repetition++) {
          // A shard registers only its share: the other runs are other machines' test cases.
          if (!inShard(example.id, repetition, shard)) continue;
          test.concurrent(runTestName(example.id, repetition, descriptor.repetitions), { timeout: 0 }, async (context) => {
            const outcome = await executor.run(example, repetition, context.signal);
            if (outcome.kind === "skipped") return context.skip(outcome.reason);
            const record = tracing ? tracing.applyTraceIds(outcome.record) : outcome.record;
            // The gates need scores, not outputs: keeping outputs here would make the worker's
            // memory grow with output size for the whole experiment.
            records.push(record.status === "ok" ? { ...record, output: null } : record);
            if (tracing) {
              const spans = tracing.takeSpans(record);
              if (spans.length > 0) writeSpansMeta(context.task.meta, spans);
            }
            writeRunMeta(context.task.meta, record);
            const verdict = judgeRun(record, descriptor.gates);
            // Reasons quote task errors and evaluator explanations (LLM text): bounded and
            // stripped of escape sequences before Vitest prints them to the terminal.
            if (verdict.failed) throw new RunFailedError(verdict.reasons.map((reason) => sanitizeText(reason)).join("\n"));
          });
        }
      }

      test(GATES_TEST_NAME, { timeout: 0 }, async (context) => {
        runtime().active.delete(executor);
        if (descriptor.shard) {
          // A shard has a share of the runs: its aggregates would be a verdict over data that is
          // not the experiment's. The merge of every shard's report judges the gates.
          const baseline = descriptor.dryRun === null ? await resolveWorkerGateBaseline(descriptor, file) : undefined;
          writeResultMeta(context.task.meta, buildResult(descriptor, records, { partial: true, throttle: executor.limiter.summary(), ...(baseline ? { baseline } : {}) }));
          const total = examples.length * descriptor.repetitions;
          return context.skip(
            `gates not judged on shard ${formatShard(descriptor.shard)}: it ran ${records.length} of the experiment's ${total} runs; merge the shards' blob reports (vitest run --merge-reports) for the verdict`,
          );
        }
        const expected = declaredRunCount(descriptor);
        const baseline = descriptor.dryRun === null ? await resolveWorkerGateBaseline(descriptor, file) : undefined;
        const result = buildResult(descriptor, records, { partial: records.length < expected, throttle: executor.limiter.summary(), ...(baseline ? { baseline } : {}) });
        if (baseline) result.baseline = baseline.summarize(records);
        writeResultMeta(context.task.meta, result);
        if (runtime().updateBaselines && file && records.length === expected && descriptor.dryRun === null) {
          await updateBaselineFile(file, result, records);
        }
        const lines = result.gates.map(describeVerdict);
        if (gatesFailed(result.gates)) {
          throw new GatesFailedError(`gates failed for experiment "${name}":\n${lines.join("\n")}`);
        }
        const partialNote = descriptor.dryRun
          ? `dry run of ${descriptor.dryRun.sampled} example(s), seed ${descriptor.dryRun.seed}`
          : `${records.length} of ${expected} runs completed`;
        if (result.gates.some((g) => g.status === "partial")) return context.skip(`gates not judged: ${partialNote}`);
      });

      writeExperimentMeta(meta, { descriptor, examples });
    });
  } catch (error) {
    if (/inside test function/.test(String((error as Error)?.message))) {
      throw new ExperimentDeclarationError(name, "experiment() must be called at the top level of an eval file (or inside describe()), not inside a test", shownFile);
    }
    throw error;
  }
}

/** This worker's shard: as `experimentsProject()` checked it, else `VITEST_EXPERIMENTS_SHARD`. */
function currentShard(): ShardSpec | undefined {
  const provided = workerSettings()?.shard;
  return provided === undefined ? resolveShard(undefined) : (provided ?? undefined);
}
