import type { DatasetInput, ExampleInput } from "../datasets/types.js";
import type { JsonObject, JsonValue } from "../record/types.js";
import type { AxDatasetExample } from "./api-types.js";
import { ArizeClient } from "./client.js";
import { EXAMPLE_ID_COLUMN } from "./payloads.js";

export class ArizeDatasetError extends Error {
  override readonly name = "ArizeDatasetError";
}

const SYSTEM_FIELDS = new Set(["id", "created_at", "updated_at", "annotations"]);

/**
 * An Arize AX dataset (by exact name in the configured space) as an experiment dataset. Each
 * example keeps the product's id when this package created it (its `vitest_experiments_example_id`
 * column), else AX's own id; either maps back to the AX example when runs are uploaded.
 * `input`, `expected` and `metadata` columns are read as written (JSON text decoded); a dataset
 * without an `input` column gives each example all its user columns as the input.
 */
export async function loadArizeDataset(name: string, client: ArizeClient): Promise<DatasetInput> {
  return (await loadArizeDatasetWithIds(name, client)).dataset;
}

/** The dataset, and AX example id → the example's id in it (they differ for examples this package uploaded). */
export async function loadArizeDatasetWithIds(name: string, client: ArizeClient): Promise<{ dataset: DatasetInput; idOf: Map<string, string> }> {
  const space = await client.space();
  const dataset = await client.findDatasetByName(space.id, name);
  if (!dataset) throw new ArizeDatasetError(`Arize AX has no dataset named "${name}" in space "${space.name}" (${space.id})`);
  const examples = await client.listExamples(dataset.id);
  if (examples.length === 0) throw new ArizeDatasetError(`Arize AX dataset "${name}" has no examples`);
  const inputs = examples.map(exampleOf);
  const idOf = new Map(examples.map((e, i) => [e.id, inputs[i]!.id!]));
  return { dataset: { name: dataset.name, source: `Arize AX dataset "${name}" (${dataset.id})`, examples: inputs }, idOf };
}

function exampleOf(example: AxDatasetExample): ExampleInput {
  const own = example[EXAMPLE_ID_COLUMN];
  const columns: JsonObject = {};
  for (const [key, value] of Object.entries(example)) if (!SYSTEM_FIELDS.has(key) && key !== EXAMPLE_ID_COLUMN) columns[key] = value as JsonValue;
  const hasInput = "input" in columns;
  const metadata = decode(columns.metadata);
  return {
    id: typeof own === "string" && own ? own : example.id,
    input: hasInput ? decode(columns.input) : columns,
    ...(columns.expected !== undefined ? { expected: decode(columns.expected) } : {}),
    ...(metadata && typeof metadata === "object" && !Array.isArray(metadata) ? { metadata: metadata as JsonObject } : {}),
  };
}

/** Text this package JSON-encoded comes back as the value; any other text stays text. */
function decode(value: JsonValue | undefined): JsonValue {
  if (typeof value !== "string") return value ?? null;
  const trimmed = value.trim();
  if (!/^[[{"]/.test(trimmed)) return value;
  try {
    return JSON.parse(trimmed) as JsonValue;
  } catch {
    return value;
  }
}
