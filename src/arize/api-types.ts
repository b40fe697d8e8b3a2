/**
 * The Arize AX REST v2 shapes this package uses, as `@arizeai/ax-client`'s generated contract
 * (`dist/src/__generated__/api/v2.d.ts`, client 1.28) declares them. The package's `exports` do
 * not expose that file, so the shapes are restated here; `test/unit/arize/contract-types.test.ts`
 * checks at compile time that each one still matches the generated contract.
 */

export interface AxPagination {
  next_cursor?: string;
  has_more: boolean;
}

export interface AxSpace {
  id: string;
  name: string;
  description: string;
  created_at: string;
  is_private: boolean;
}

export interface AxDataset {
  id: string;
  name: string;
  space_id: string;
  created_at: string;
  updated_at: string;
  versions?: { id: string; name: string; dataset_id: string; created_at: string; updated_at: string }[];
}

/** A dataset example: system fields plus any user-defined columns. */
export type AxDatasetExample = { readonly id: string; readonly created_at: string; readonly updated_at: string } & { [key: string]: unknown };

/** An example to create: user-defined columns only (no `id`, `created_at`, `updated_at`), at least one. */
export type AxExampleInput = { [key: string]: unknown };

export interface AxDatasetVersionWithExampleIds {
  id: string;
  name: string;
  space_id: string;
  created_at: string;
  updated_at: string;
  dataset_version_id: string;
  /** The inserted examples' ids, in input order. */
  example_ids: string[];
}

export interface AxExperiment {
  id: string;
  name: string;
  space_id: string;
  dataset_id?: string | null;
  dataset_version_id?: string | null;
  created_at: string;
  updated_at: string;
  experiment_traces_project_id?: string;
  integration_id?: string | null;
}

export type AxExperimentWithRunIds = AxExperiment & { run_ids: string[] };

/** A run to write: `output` is a string; any further columns are kept (`eval.<name>.score`…). */
export type AxRunInput = { example_id?: string | null; output: string } & { [key: string]: unknown };

export interface AxAnnotation {
  name: string;
  score?: number;
  label?: string;
  text?: string;
  updated_at?: string;
}

/** A stored run: the columns written, plus the server's `id` and human `annotations`. */
export type AxRun = { readonly id: string; readonly example_id?: string | null; output?: string | null; error?: string | null; readonly annotations?: AxAnnotation[] } & {
  [key: string]: unknown;
};

export interface AxAnnotationInput {
  name: string;
  score?: number;
  label?: string;
  text?: string;
}

export interface AxAnnotateRecord {
  record_id: string;
  values: AxAnnotationInput[];
}

export interface CreateDatasetBody {
  name: string;
  space_id: string;
  examples: AxExampleInput[];
}

export interface CreateExperimentBody {
  name: string;
  dataset_id?: string | null;
  space_id?: string | null;
  experiment_runs: AxRunInput[];
}

/** RFC 9457 problem details, as AX answers errors. */
export interface AxProblem {
  title: string;
  status: number;
  type?: string;
  detail?: string;
  instance?: string;
}

/** Runs (and annotation records) AX accepts in one request. */
export const MAX_RUNS_PER_REQUEST = 1000;
