/**
 * The Arize AX REST v2 contract as `@arizeai/ax-client` generates it (`v2.d.ts`): the fake types
 * its request and response bodies with it, so a shape that drifts from the official client fails
 * to compile. (The package's `exports` hide the file, hence the path.)
 */
import type { components } from "../../../node_modules/@arizeai/ax-client/dist/src/__generated__/api/v2.js";

export type Schemas = components["schemas"];
export type Space = Schemas["Space"];
export type Dataset = Schemas["Dataset"];
export type DatasetExample = Schemas["DatasetExample"];
export type Experiment = Schemas["Experiment"];
export type ExperimentRun = Schemas["ExperimentRun"];
export type ExperimentRunInput = Schemas["ExperimentRunInput"];
export type CreateDatasetRequest = Schemas["CreateDatasetRequest"];
export type InsertDatasetExamplesRequest = Schemas["InsertDatasetExamplesRequest"];
export type CreateExperimentRequest = Schemas["CreateExperimentRequest"];
export type InsertExperimentRunsRequest = Schemas["InsertExperimentRunsRequest"];
export type AnnotateExperimentRunsRequest = Schemas["AnnotateExperimentRunsRequest"];
export type Annotation = Schemas["Annotation"];
export type PaginationMetadata = Schemas["PaginationMetadata"];
export type Problem = Schemas["Problem"];
export type DatasetVersionWithExampleIds = Schemas["DatasetVersionWithExampleIds"];
export type ExperimentWithRunIds = Schemas["ExperimentWithRunIds"];

/** Per-endpoint `limit` maxima (`LimitQueryParamMax100` / `Max500`). */
export const LIST_LIMITS: Record<string, number> = {
  "/v2/spaces": 100,
  "/v2/datasets": 100,
  "/v2/experiments": 100,
  "/v2/datasets/{id}/examples": 500,
  "/v2/experiments/{id}/runs": 500,
};

export const MAX_RECORDS_PER_REQUEST = 1000;
export const SYSTEM_EXAMPLE_FIELDS = ["id", "created_at", "updated_at"] as const;
