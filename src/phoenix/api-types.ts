/** The Phoenix REST shapes this package uses (`shared/phoenix/openapi.json`, Phoenix 20.3). */

type JsonObject = Record<string, unknown>;

export interface PhoenixDataset {
  id: string;
  name: string;
  description: string | null;
  metadata: JsonObject;
  created_at: string;
  updated_at: string;
  example_count: number;
}

export interface PhoenixDatasetExample {
  /** The external id when uploaded with `example_ids`, else equal to `node_id`. */
  id: string;
  /** The DatasetExample GlobalID: what runs reference. */
  node_id: string;
  input: JsonObject;
  output: JsonObject;
  metadata: JsonObject;
  updated_at: string;
}

export interface PhoenixDatasetExamples {
  dataset_id: string;
  version_id: string;
  filtered_splits?: string[];
  examples: PhoenixDatasetExample[];
}

export interface PhoenixDatasetVersion {
  version_id: string;
  description: string | null;
  metadata: JsonObject;
  created_at: string;
}

export interface UploadDatasetBody {
  name: string;
  action?: "create" | "append" | "update";
  description?: string;
  inputs: JsonObject[];
  outputs?: JsonObject[];
  metadata?: JsonObject[];
  splits?: (string | string[] | null)[];
  example_ids?: (string | null)[];
}

export interface UploadDatasetResult {
  dataset_id: string;
  version_id: string;
  num_created_examples: number;
  num_updated_examples: number;
  num_deleted_examples: number;
}

export interface CreateExperimentBody {
  name?: string | null;
  description?: string | null;
  metadata?: JsonObject | null;
  version_id?: string | null;
  splits?: string[] | null;
  repetitions?: number;
}

export interface PhoenixExperiment {
  id: string;
  dataset_id: string;
  dataset_version_id: string;
  name: string;
  description: string | null;
  repetitions: number;
  metadata: JsonObject;
  project_name: string | null;
  created_at: string;
  updated_at: string;
  example_count: number;
  successful_run_count: number;
  failed_run_count: number;
  missing_run_count: number;
}

export interface CreateRunBody {
  dataset_example_id: string;
  output: unknown;
  repetition_number: number;
  start_time: string;
  end_time: string;
  trace_id?: string | null;
  error?: string | null;
}

export interface PhoenixRun extends CreateRunBody {
  id: string;
  experiment_id: string;
}

export interface UpsertEvaluationBody {
  experiment_run_id: string;
  name: string;
  annotator_kind: "LLM" | "CODE" | "HUMAN";
  start_time: string;
  end_time: string;
  result?: { label?: string | null; score?: number | null; explanation?: string | null } | null;
  error?: string | null;
  metadata?: JsonObject | null;
  trace_id?: string | null;
}

export interface IncompleteRun {
  dataset_example: PhoenixDatasetExample;
  repetition_numbers: number[];
}

export interface IncompleteEvaluation {
  experiment_run: PhoenixRun;
  dataset_example: PhoenixDatasetExample | null;
  evaluation_names: string[];
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}
