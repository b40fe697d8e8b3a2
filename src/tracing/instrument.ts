import type { PreparedExperiment } from "../engine/prepare.js";
import type { RunRecord } from "../record/types.js";
import type { ExperimentTracer } from "./experiment-tracer.js";

/**
 * Puts an experiment's task and evaluators under a tracer, without the engine knowing: the task
 * is called once per attempt, so wrapping it gives one span per attempt, and each evaluator call
 * gets its own span. `applyTraceIds` then writes the trace ids into the run record the engine
 * returns (the last attempt's trace for the run), before any sink sees it.
 */
export function instrumentExperiment(prepared: PreparedExperiment, tracer: ExperimentTracer): { applyTraceIds(record: RunRecord): RunRecord } {
  const taskTraces = new Map<string, string>();
  const evaluationTraces = new Map<string, string>();
  const task = prepared.task;
  const experimentName = prepared.descriptor.name;

  prepared.task = async (context) => {
    const traced = await tracer.task({ experimentName, exampleId: context.example.id, repetition: context.repetition, input: context.input }, () => task(context));
    taskTraces.set(`${context.example.id}#${context.repetition}`, traced.traceId);
    if (!traced.ok) throw traced.error;
    return traced.value;
  };
  prepared.evaluators = prepared.evaluators.map((evaluator) => ({
    ...evaluator,
    async evaluate(args) {
      const traced = await tracer.evaluator(
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
      record.traceId = taskTraces.get(`${record.exampleId}#${record.repetition}`) ?? record.traceId;
      for (const evaluation of record.evaluations) evaluation.traceId = evaluationTraces.get(`${record.runId}#${evaluation.name}`) ?? evaluation.traceId;
      return record;
    },
  };
}
