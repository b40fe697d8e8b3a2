import type { JsonObject, JsonValue } from "../record/types.js";

/** One example as users write it (inline, or one line/row of a dataset file). */
export interface ExampleInput {
  /** Stable id; when absent a content hash of input, expected output and metadata is used. */
  id?: string;
  input: JsonObject | JsonValue;
  /** The expected output. `expected` is accepted as an alias. */
  output?: JsonValue;
  expected?: JsonValue;
  metadata?: JsonObject;
  splits?: string[];
  /** Phoenix's DatasetExample GlobalID (set by `phoenix.dataset()`); runs reference it. */
  nodeId?: string;
}

/** An example after normalisation: every field present, id assigned. */
export interface Example {
  id: string;
  input: JsonValue;
  expected: JsonValue;
  metadata: JsonObject;
  splits: string[];
  /** Phoenix's DatasetExample GlobalID, when the example came from (or was uploaded to) Phoenix. */
  nodeId?: string;
}

/**
 * Where a dataset lives on Phoenix: its id, the version that ran, and the splits it was filtered
 * by (an experiment on a split must be created with it, or Phoenix counts the other examples as
 * missing runs).
 */
export interface PhoenixDatasetRef {
  datasetId: string;
  versionId: string;
  splits?: string[];
}

/** A dataset as users declare it. */
export interface DatasetInput {
  name: string;
  description?: string;
  examples: ExampleInput[];
  /** Set by loaders that read from Phoenix. */
  phoenix?: PhoenixDatasetRef;
  /** Where the examples came from, for error messages (a file path, "inline", a Phoenix URL). */
  source?: string;
}

export interface Dataset {
  name: string;
  description?: string;
  examples: Example[];
  phoenix?: PhoenixDatasetRef;
  source: string;
}

/** What a dataset function is told: the project root that relative paths resolve from. */
export interface DatasetContext {
  root: string;
}

/** What `dataset:` accepts: a dataset, a promise of one, or a function returning either. */
export type DatasetSource = DatasetInput | Promise<DatasetInput> | ((context: DatasetContext) => DatasetInput | Promise<DatasetInput>);
