import { describe, expectTypeOf, test } from "vitest";
import type { components } from "../../../node_modules/@arizeai/ax-client/dist/src/__generated__/api/v2.js";
import type {
  AxAnnotateRecord,
  AxDataset,
  AxDatasetExample,
  AxDatasetVersionWithExampleIds,
  AxExperiment,
  AxExperimentWithRunIds,
  AxPagination,
  AxProblem,
  AxRun,
  AxRunInput,
  AxSpace,
  CreateDatasetBody,
  CreateExperimentBody,
} from "../../../src/arize/api-types.js";

/**
 * The shapes `src/arize/api-types.ts` restates must stay those of `@arizeai/ax-client`'s generated
 * v2 contract: what we send is assignable to the contract's request bodies, and the contract's
 * answers are assignable to what we read. Checked by the compiler (`npm run typecheck`).
 */
type S = components["schemas"];

describe("the Arize AX shapes match @arizeai/ax-client's generated v2 contract", () => {
  test("request bodies we send are the contract's", () => {
    expectTypeOf<CreateDatasetBody>().toMatchTypeOf<S["CreateDatasetRequest"]>();
    expectTypeOf<CreateExperimentBody>().toMatchTypeOf<S["CreateExperimentRequest"]>();
    expectTypeOf<AxRunInput>().toMatchTypeOf<S["ExperimentRunInput"]>();
    expectTypeOf<{ experiment_runs: AxRunInput[] }>().toMatchTypeOf<S["InsertExperimentRunsRequest"]>();
    expectTypeOf<{ annotations: AxAnnotateRecord[] }>().toMatchTypeOf<S["AnnotateExperimentRunsRequest"]>();
  });

  test("answers the contract gives are what we read", () => {
    expectTypeOf<S["Space"]>().toMatchTypeOf<AxSpace>();
    expectTypeOf<S["Dataset"]>().toMatchTypeOf<AxDataset>();
    expectTypeOf<S["DatasetExample"]>().toMatchTypeOf<AxDatasetExample>();
    expectTypeOf<S["DatasetVersionWithExampleIds"]>().toMatchTypeOf<AxDatasetVersionWithExampleIds>();
    expectTypeOf<S["Experiment"]>().toMatchTypeOf<AxExperiment>();
    expectTypeOf<S["ExperimentWithRunIds"]>().toMatchTypeOf<AxExperimentWithRunIds>();
    expectTypeOf<S["ExperimentRun"]>().toMatchTypeOf<AxRun>();
    expectTypeOf<S["PaginationMetadata"]>().toMatchTypeOf<AxPagination>();
    expectTypeOf<S["Problem"]>().toMatchTypeOf<AxProblem>();
  });
});
