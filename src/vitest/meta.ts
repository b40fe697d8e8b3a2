/**
 * What experiments put on Vitest's `task.meta`, which Vitest serializes from the worker to the
 * reporter in the main process (and into `--reporter=blob` files). One key per kind of record,
 * namespaced so it cannot collide with a user's own meta.
 */
import type { Example } from "../datasets/types.js";
import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../record/types.js";
import { isSpanJson, type SpanJson } from "../tracing/span-json.js";

export interface ExperimentMeta {
  descriptor: ExperimentDescriptor;
  examples: Example[];
}

const EXPERIMENT = "vitestExperiments.experiment";
const RUN = "vitestExperiments.run";
const RESULT = "vitestExperiments.result";
const SPANS = "vitestExperiments.spans";

type Meta = Record<string, unknown>;

export function writeExperimentMeta(meta: object, value: ExperimentMeta): void {
  (meta as Meta)[EXPERIMENT] = value;
}
export function writeRunMeta(meta: object, value: RunRecord): void {
  (meta as Meta)[RUN] = value;
}
export function writeResultMeta(meta: object, value: ExperimentResult): void {
  (meta as Meta)[RESULT] = value;
}
export function readExperimentMeta(meta: object): ExperimentMeta | undefined {
  const value = (meta as Meta)[EXPERIMENT] as ExperimentMeta | undefined;
  // A shard's report carries no examples (see dropExamplesMeta).
  return value && !Array.isArray(value.examples) ? { ...value, examples: [] } : value;
}
/**
 * Removes the examples from an experiment's meta once the reporter has handed them to the sinks.
 * Every shard holds the whole dataset, and its blob report would carry a copy of it: N copies for
 * the merge to parse, which needs none (it uploads nothing).
 */
export function dropExamplesMeta(meta: object): void {
  const value = (meta as Meta)[EXPERIMENT] as Partial<ExperimentMeta> | undefined;
  if (value) delete value.examples;
}
export function readRunMeta(meta: object): RunRecord | undefined {
  return (meta as Meta)[RUN] as RunRecord | undefined;
}
export function readResultMeta(meta: object): ExperimentResult | undefined {
  return (meta as Meta)[RESULT] as ExperimentResult | undefined;
}
/** The run's finished spans, when tracing is on (the worker cannot export them itself). */
export function writeSpansMeta(meta: object, spans: SpanJson[]): void {
  (meta as Meta)[SPANS] = spans;
}
/** The run's spans; malformed entries (a blob file from another version) are left out. */
export function readSpansMeta(meta: object): SpanJson[] {
  const spans = (meta as Meta)[SPANS];
  return Array.isArray(spans) ? spans.filter(isSpanJson) : [];
}
