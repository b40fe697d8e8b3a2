import type { PreparedExperiment } from "../engine/prepare.js";
import type { RunRecord } from "../record/types.js";
import type { ExperimentSpans } from "./experiment-spans.js";

export interface InstrumentedExperiment {
  /** Writes the trace ids into the run record the engine returned (the last attempt's trace for the run); call before any sink sees it. */
  applyTraceIds(record: RunRecord): RunRecord;
  /** Every trace the run made: each task attempt's (failed ones too) and each evaluator's. */
  traceIdsOf(record: RunRecord): Set<string>;
}

/**
 * Puts an experiment's task and evaluators under spans, without the engine knowing: the task
 * is called once per attempt, so wrapping it gives one span per attempt, and each evaluator call
 * gets its own span.
 */
export function instrumentExperiment(prepared: PreparedExperiment, spans: ExperimentSpans): InstrumentedExperiment {
  /** Trace ids of each run's attempts, in order, by `exampleId#repetition`. */
  const attemptTraces = new Map<string, string[]>();
  const evaluationTraces = new Map<string, string>();
  const task = prepared.task;
  const experimentName = prepared.descriptor.name;
  const runKey = (exampleId: string, repetition: number) => `${exampleId}#${repetition}`;

  prepared.task = async (context) => {
    const traced = await spans.task({ experimentName, exampleId: context.example.id, repetition: context.repetition, input: context.input }, () => task(context));
    const key = runKey(context.example.id, context.repetition);
    attemptTraces.set(key, [...(attemptTraces.get(key) ?? []), traced.traceId]);
    if (!traced.ok) throw traced.error;
    return traced.value;
  };
  prepared.evaluators = prepared.evaluators.map((evaluator) => ({
    ...evaluator,
    async evaluate(args) {
      const traced = await spans.evaluator(
        { name: evaluator.name, kind: evaluator.kind, exampleId: args.run.exampleId, repetition: args.run.repetition, output: args.output },
        () => evaluator.evaluate(args),
      );
      evaluationTraces.set(`${args.run.runId}#${evaluator.name}`, traced.traceId);
      if (!traced.ok) throw traced.error;
      return traced.value;
    },
  }));

  return {
    applyTraceIds(record) {
      record.traceId = attemptTraces.get(runKey(record.exampleId, record.repetition))?.at(-1) ?? record.traceId;
      for (const evaluation of record.evaluations) evaluation.traceId = evaluationTraces.get(`${record.runId}#${evaluation.name}`) ?? evaluation.traceId;
      return record;
    },
    traceIdsOf(record) {
      const ids = new Set(attemptTraces.get(runKey(record.exampleId, record.repetition)) ?? []);
      for (const evaluation of record.evaluations) {
        const id = evaluationTraces.get(`${record.runId}#${evaluation.name}`);
        if (id) ids.add(id);
      }
      return ids;
    },
  };
}
