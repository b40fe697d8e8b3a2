import type { JsonObject, JsonValue } from "../record/types.js";
import { toJsonValue } from "../engine/json.js";
import { DatasetError } from "./errors.js";
import { canonicalJson, sha256 } from "./hash.js";
import type { Dataset, DatasetInput, Example, ExampleInput } from "./types.js";

/**
 * Validates a declared dataset and gives every example an id. Examples without an id get a
 * content hash of their input, expected output and metadata, so the id (and the test name built
 * from it) stays the same across runs and machines as long as the example does.
 */
export function normalizeDataset(input: DatasetInput): Dataset {
  const source = input?.source ?? "inline dataset";
  if (typeof input !== "object" || input === null) throw new DatasetError(source, `expected a dataset { name, examples }, got ${typeof input}`);
  if (typeof input.name !== "string" || input.name.trim() === "") throw new DatasetError(source, "the dataset needs a non-empty name");
  if (!Array.isArray(input.examples)) throw new DatasetError(source, `dataset "${input.name}": examples must be an array`);
  if (input.examples.length === 0) throw new DatasetError(source, `dataset "${input.name}" has no examples`);
  const seen = new Map<string, number>();
  const examples = input.examples.map((raw, index) => {
    const line = (raw as { __line?: number })?.__line;
    const where = line !== undefined ? { source, line } : { source: `${source} (examples[${index}])` };
    const example = normalizeExample(raw, where);
    const previous = seen.get(example.id);
    if (previous !== undefined) {
      throw new DatasetError(where.source, `duplicate example id "${example.id}" (also example ${previous + 1}); ids must be unique`, where.line);
    }
    seen.set(example.id, index);
    return example;
  });
  const dataset: Dataset = { name: input.name, examples, source };
  if (input.description !== undefined) dataset.description = input.description;
  if (input.phoenix) dataset.phoenix = input.phoenix;
  return dataset;
}

function normalizeExample(raw: ExampleInput, where: { source: string; line?: number }): Example {
  const fail = (problem: string): never => {
    throw new DatasetError(where.source, problem, where.line);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail(`an example must be an object with an input, got ${Array.isArray(raw) ? "an array" : JSON.stringify(raw)}`);
  if (!("input" in raw) || raw.input === undefined) fail(`example has no "input" (keys: ${Object.keys(raw).join(", ") || "none"})`);
  const json = (field: string, value: unknown): JsonValue => {
    try {
      return toJsonValue(value, field);
    } catch (error) {
      return fail((error as Error).message);
    }
  };
  const input = json("input", raw.input);
  const expected = json("output", raw.output !== undefined ? raw.output : raw.expected ?? null);
  const metadataValue = json("metadata", raw.metadata ?? {});
  if (typeof metadataValue !== "object" || metadataValue === null || Array.isArray(metadataValue)) fail(`example metadata must be an object`);
  const metadata = metadataValue as JsonObject;
  let splits: string[] = [];
  if (raw.splits !== undefined) {
    const list = typeof raw.splits === "string" ? [raw.splits] : raw.splits;
    if (!Array.isArray(list) || list.some((s) => typeof s !== "string")) fail(`example splits must be a list of split names`);
    splits = list;
  }
  let id: string;
  if (raw.id === undefined || raw.id === null || raw.id === "") {
    id = sha256(canonicalJson({ input, expected, metadata })).slice(0, 16);
  } else if (typeof raw.id === "string" || typeof raw.id === "number") {
    id = String(raw.id);
  } else {
    return fail(`example id must be a string or a number, got ${typeof raw.id}`);
  }
  const example: Example = { id, input, expected, metadata, splits };
  if ((raw as { nodeId?: unknown }).nodeId !== undefined) example.nodeId = String((raw as { nodeId?: unknown }).nodeId);
  return example;
}

/** Keeps the examples in any of `splits` (Phoenix's semantics); all of them when none are given. */
export function filterSplits(dataset: Dataset, splits: readonly string[] | undefined): Dataset {
  if (!splits || splits.length === 0) return dataset;
  const examples = dataset.examples.filter((e) => e.splits.some((s) => splits.includes(s)));
  if (examples.length === 0) {
    const known = [...new Set(dataset.examples.flatMap((e) => e.splits))];
    throw new DatasetError(dataset.source, `no example is in split${splits.length > 1 ? "s" : ""} ${splits.join(", ")} (splits in this dataset: ${known.join(", ") || "none"})`);
  }
  return { ...dataset, examples };
}

/** A hash over every example's id, input, expected output and metadata: equal hashes, equal datasets. */
export function datasetContentHash(examples: readonly Example[]): string {
  return sha256(canonicalJson(examples.map(({ id, input, expected, metadata }) => [id, input, expected, metadata])));
}
