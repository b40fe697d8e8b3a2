import {
  LIST_LIMITS,
  MAX_RECORDS_PER_REQUEST,
  SYSTEM_EXAMPLE_FIELDS,
  type AnnotateExperimentRunsRequest,
  type CreateDatasetRequest,
  type CreateExperimentRequest,
  type Dataset,
  type DatasetVersionWithExampleIds,
  type Experiment,
  type ExperimentRun,
  type ExperimentWithRunIds,
  type InsertDatasetExamplesRequest,
  type InsertExperimentRunsRequest,
  type PaginationMetadata,
} from "./contract.js";
import { HttpFailure, type FakeArizeState } from "./state.js";

/** A request the v2 contract forbids: answered like AX (400/422) and recorded as a violation. */
export class ContractError extends HttpFailure {
  constructor(
    status: 400 | 422,
    readonly errors: string[],
  ) {
    super(status, status === 400 ? "Bad Request" : "Unprocessable Entity", errors.join("; "));
  }
}

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
}

type Route = { method: string; pattern: RegExp; template: string; handler: (state: FakeArizeState, request: FakeRequest, params: string[]) => FakeAnswer };

const ROUTES: Route[] = [
  { method: "GET", pattern: /^\/v2\/spaces$/, template: "/v2/spaces", handler: listSpaces },
  { method: "GET", pattern: /^\/v2\/spaces\/([^/]+)$/, template: "/v2/spaces/{id}", handler: getSpace },
  { method: "GET", pattern: /^\/v2\/datasets$/, template: "/v2/datasets", handler: listDatasets },
  { method: "POST", pattern: /^\/v2\/datasets$/, template: "/v2/datasets", handler: createDataset },
  { method: "GET", pattern: /^\/v2\/datasets\/([^/]+)$/, template: "/v2/datasets/{id}", handler: getDataset },
  { method: "GET", pattern: /^\/v2\/datasets\/([^/]+)\/examples$/, template: "/v2/datasets/{id}/examples", handler: listExamples },
  { method: "POST", pattern: /^\/v2\/datasets\/([^/]+)\/examples$/, template: "/v2/datasets/{id}/examples", handler: insertExamples },
  { method: "GET", pattern: /^\/v2\/experiments$/, template: "/v2/experiments", handler: listExperiments },
  { method: "POST", pattern: /^\/v2\/experiments$/, template: "/v2/experiments", handler: createExperiment },
  { method: "GET", pattern: /^\/v2\/experiments\/([^/]+)$/, template: "/v2/experiments/{id}", handler: getExperiment },
  { method: "DELETE", pattern: /^\/v2\/experiments\/([^/]+)$/, template: "/v2/experiments/{id}", handler: deleteExperiment },
  { method: "GET", pattern: /^\/v2\/experiments\/([^/]+)\/runs$/, template: "/v2/experiments/{id}/runs", handler: listRuns },
  { method: "POST", pattern: /^\/v2\/experiments\/([^/]+)\/runs$/, template: "/v2/experiments/{id}/runs", handler: insertRuns },
  { method: "POST", pattern: /^\/v2\/experiments\/([^/]+)\/runs\/annotate$/, template: "/v2/experiments/{id}/runs/annotate", handler: annotateRuns },
];

export interface ServerLimits {
  maxOutputChars?: number | undefined;
}

// Set by `handle` for the request it runs (handlers are synchronous, so requests never share it).
let limits: ServerLimits = {};

export function handle(state: FakeArizeState, request: FakeRequest, serverLimits: ServerLimits = {}): FakeAnswer {
  limits = serverLimits;
  const matching = ROUTES.filter((r) => r.pattern.test(request.path));
  if (matching.length === 0) throw new HttpFailure(404, "Not Found", `no route ${request.path}`);
  const route = matching.find((r) => r.method === request.method);
  if (!route) throw new ContractError(400, [`${request.method} is not an operation of ${request.path}`]);
  const params = route.pattern.exec(request.path)!.slice(1).map(decodeURIComponent);
  return route.handler(state, request, params);
}

// ---- pagination ----

function page<T>(request: FakeRequest, template: string, items: T[]): { items: T[]; pagination: PaginationMetadata } {
  const max = LIST_LIMITS[template]!;
  const rawLimit = request.query.get("limit");
  let limit = 50;
  if (rawLimit !== null) {
    limit = Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new ContractError(400, [`limit must be an integer from 1 to ${max}, got ${JSON.stringify(rawLimit)}`]);
  }
  let offset = 0;
  const cursor = request.query.get("cursor");
  if (cursor !== null) {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"));
    if (!decoded) throw new ContractError(400, [`cursor ${JSON.stringify(cursor)} was not issued by this server`]);
    offset = Number(decoded[1]);
  }
  const slice = items.slice(offset, offset + limit);
  const has_more = offset + limit < items.length;
  return { items: slice, pagination: has_more ? { has_more, next_cursor: Buffer.from(`offset:${offset + limit}`).toString("base64") } : { has_more } };
}

function nameFilter<T extends { name: string }>(items: T[], name: string | null): T[] {
  if (name === null) return items;
  const needle = name.toLowerCase();
  return items.filter((item) => item.name.toLowerCase().includes(needle));
}

function newestFirst<T extends { created_at: string }>(items: T[]): T[] {
  return items.map((item, index) => ({ item, index })).sort((a, b) => b.item.created_at.localeCompare(a.item.created_at) || b.index - a.index).map((x) => x.item);
}

// ---- spaces ----

function listSpaces(state: FakeArizeState, request: FakeRequest): FakeAnswer {
  const { items, pagination } = page(request, "/v2/spaces", nameFilter(state.spaces, request.query.get("name")));
  return { status: 200, body: { spaces: items, pagination } };
}

function getSpace(state: FakeArizeState, _request: FakeRequest, [id]: string[]): FakeAnswer {
  const space = state.spaces.find((s) => s.id === id);
  if (!space) throw new HttpFailure(404, "Not Found", `space ${id} not found`);
  return { status: 200, body: space };
}

// ---- datasets ----

function requireSpace(state: FakeArizeState, id: string): void {
  if (!state.spaces.some((s) => s.id === id)) throw new HttpFailure(404, "Not Found", `space ${id} not found`);
}

function requireDataset(state: FakeArizeState, id: string): Dataset {
  const dataset = state.datasets.find((d) => d.id === id);
  if (!dataset) throw new HttpFailure(404, "Not Found", `dataset ${id} not found`);
  return dataset;
}

function listDatasets(state: FakeArizeState, request: FakeRequest): FakeAnswer {
  const spaceId = request.query.get("space_id");
  let datasets = state.datasets;
  if (spaceId !== null) datasets = datasets.filter((d) => d.space_id === spaceId);
  const { items, pagination } = page(request, "/v2/datasets", newestFirst(nameFilter(datasets, request.query.get("name"))));
  return { status: 200, body: { datasets: items.map(({ versions: _versions, ...d }) => d), pagination } };
}

function validateExamples(examples: unknown, field: string): Record<string, unknown>[] {
  if (!Array.isArray(examples) || examples.length === 0) throw new ContractError(400, [`${field} must be a non-empty array`]);
  const errors: string[] = [];
  examples.forEach((example, index) => {
    if (typeof example !== "object" || example === null || Array.isArray(example)) errors.push(`${field}[${index}] must be an object`);
    else if (Object.keys(example).length === 0) errors.push(`${field}[${index}] must contain at least one property`);
    else for (const system of SYSTEM_EXAMPLE_FIELDS) if (system in example) errors.push(`${field}[${index}] must not contain the system-managed field "${system}"`);
  });
  if (errors.length > 0) throw new ContractError(400, errors);
  return examples as Record<string, unknown>[];
}

function addExamples(state: FakeArizeState, datasetId: string, examples: Record<string, unknown>[]): string[] {
  return examples.map((fields) => {
    const now = state.now();
    const row = { ...fields, id: state.nextId("DatasetExample"), created_at: now, updated_at: now };
    state.examples.push({ row, datasetId });
    return row.id;
  });
}

function createDataset(state: FakeArizeState, request: FakeRequest): FakeAnswer {
  const body = request.body as Partial<CreateDatasetRequest> | undefined;
  if (!body || typeof body.name !== "string" || !body.name.trim()) throw new ContractError(400, ["name is required"]);
  if (typeof body.space_id !== "string") throw new ContractError(400, ["space_id is required"]);
  const examples = validateExamples(body.examples, "examples");
  requireSpace(state, body.space_id);
  if (state.datasets.some((d) => d.space_id === body.space_id && d.name === body.name)) throw new HttpFailure(409, "Conflict", `a dataset named "${body.name}" already exists in the space`);
  const now = state.now();
  const id = state.nextId("Dataset");
  const dataset: Dataset = { id, name: body.name, space_id: body.space_id, created_at: now, updated_at: now, versions: [{ id: state.nextId("DatasetVersion"), name: "v1", dataset_id: id, created_at: now, updated_at: now }] };
  state.datasets.push(dataset);
  addExamples(state, id, examples);
  return { status: 201, body: dataset };
}

function getDataset(state: FakeArizeState, _request: FakeRequest, [id]: string[]): FakeAnswer {
  return { status: 200, body: requireDataset(state, id!) };
}

function checkVersion(dataset: Dataset, request: FakeRequest): void {
  const version = request.query.get("dataset_version_id");
  if (version !== null && !dataset.versions?.some((v) => v.id === version)) throw new HttpFailure(404, "Not Found", `dataset version ${version} not found`);
}

function listExamples(state: FakeArizeState, request: FakeRequest, [id]: string[]): FakeAnswer {
  const dataset = requireDataset(state, id!);
  checkVersion(dataset, request);
  const { items, pagination } = page(request, "/v2/datasets/{id}/examples", state.examplesOf(dataset.id));
  return { status: 200, body: { examples: items, pagination } };
}

function insertExamples(state: FakeArizeState, request: FakeRequest, [id]: string[]): FakeAnswer {
  const dataset = requireDataset(state, id!);
  checkVersion(dataset, request);
  const body = request.body as Partial<InsertDatasetExamplesRequest> | undefined;
  const examples = validateExamples(body?.examples, "examples");
  const ids = addExamples(state, dataset.id, examples);
  dataset.updated_at = state.now();
  const { versions: _versions, ...plain } = dataset;
  const answer: DatasetVersionWithExampleIds = { ...plain, dataset_version_id: dataset.versions![0]!.id, example_ids: ids };
  return { status: 201, body: answer };
}

// ---- experiments ----

function requireExperiment(state: FakeArizeState, id: string): Experiment {
  const experiment = state.experiments.find((e) => e.id === id);
  if (!experiment) throw new HttpFailure(404, "Not Found", `experiment ${id} not found`);
  return experiment;
}

function listExperiments(state: FakeArizeState, request: FakeRequest): FakeAnswer {
  const datasetId = request.query.get("dataset_id");
  const spaceId = request.query.get("space_id");
  if (datasetId !== null && spaceId !== null) throw new ContractError(400, ["provide at most one of dataset_id and space_id"]);
  let experiments = state.experiments;
  if (datasetId !== null) experiments = experiments.filter((e) => e.dataset_id === datasetId);
  if (spaceId !== null) experiments = experiments.filter((e) => e.space_id === spaceId);
  const { items, pagination } = page(request, "/v2/experiments", newestFirst(nameFilter(experiments, request.query.get("name"))));
  return { status: 200, body: { experiments: items, pagination } };
}

/** Validates runs against `ExperimentRunInput` and the dataset; returns the stored rows. */
function validateRuns(state: FakeArizeState, experiment: { dataset_id?: string | null }, runs: unknown): Record<string, unknown>[] {
  if (!Array.isArray(runs) || runs.length < 1 || runs.length > MAX_RECORDS_PER_REQUEST) {
    throw new ContractError(400, [`experiment_runs must hold 1 to ${MAX_RECORDS_PER_REQUEST} runs, got ${Array.isArray(runs) ? runs.length : typeof runs}`]);
  }
  const errors: string[] = [];
  const exampleIds = experiment.dataset_id ? new Set(state.examplesOf(experiment.dataset_id).map((e) => e.id)) : undefined;
  runs.forEach((run, index) => {
    if (typeof run !== "object" || run === null || Array.isArray(run)) return void errors.push(`experiment_runs[${index}] must be an object`);
    const r = run as Record<string, unknown>;
    if (typeof r.output !== "string") errors.push(`experiment_runs[${index}].output is required and must be a string, got ${JSON.stringify(r.output)?.slice(0, 40)}`);
    if ("id" in r) errors.push(`experiment_runs[${index}] must not contain the system-managed field "id"`);
    if (exampleIds) {
      if (typeof r.example_id !== "string") errors.push(`experiment_runs[${index}].example_id is required for an experiment on a dataset`);
      else if (!exampleIds.has(r.example_id)) errors.push(`experiment_runs[${index}].example_id ${r.example_id} is not an example of the dataset`);
    }
  });
  if (errors.length > 0) throw new ContractError(422, errors);
  const tooLong = runs.findIndex((r) => limits.maxOutputChars !== undefined && String((r as { output: string }).output).length > limits.maxOutputChars);
  // Not a contract breach: a limit of the server the contract does not state.
  if (tooLong >= 0) throw new HttpFailure(422, "Unprocessable Entity", `experiment_runs[${tooLong}].output exceeds ${limits.maxOutputChars} characters`);
  return runs as Record<string, unknown>[];
}

function storeRuns(state: FakeArizeState, experimentId: string, runs: Record<string, unknown>[]): string[] {
  return runs.map((input) => {
    const row: ExperimentRun = { error: null, ...input, output: input.output as string, id: state.nextId("ExperimentRun") };
    state.runs.push({ row, experimentId, annotations: [] });
    return row.id;
  });
}

function createExperiment(state: FakeArizeState, request: FakeRequest): FakeAnswer {
  const body = request.body as Partial<CreateExperimentRequest> | undefined;
  if (!body || typeof body.name !== "string" || !body.name.trim()) throw new ContractError(400, ["name is required"]);
  const hasDataset = typeof body.dataset_id === "string";
  const hasSpace = typeof body.space_id === "string";
  if (hasDataset === hasSpace) throw new ContractError(400, ["provide exactly one of dataset_id and space_id"]);
  const dataset = hasDataset ? requireDataset(state, body.dataset_id!) : undefined;
  if (hasSpace) requireSpace(state, body.space_id!);
  const runs = validateRuns(state, { dataset_id: dataset?.id ?? null }, body.experiment_runs);
  const taken = state.experiments.some((e) => e.name === body.name && (dataset ? e.dataset_id === dataset.id : !e.dataset_id && e.space_id === body.space_id));
  if (taken) throw new HttpFailure(409, "Conflict", `an experiment named "${body.name}" already exists`);
  const now = state.now();
  const experiment: Experiment = {
    id: state.nextId("Experiment"),
    name: body.name,
    space_id: dataset?.space_id ?? body.space_id!,
    dataset_id: dataset?.id ?? null,
    dataset_version_id: dataset?.versions?.[0]?.id ?? null,
    created_at: now,
    updated_at: now,
    integration_id: null,
  };
  state.experiments.push(experiment);
  storeRuns(state, experiment.id, runs);
  return { status: 201, body: experiment };
}

function getExperiment(state: FakeArizeState, _request: FakeRequest, [id]: string[]): FakeAnswer {
  return { status: 200, body: requireExperiment(state, id!) };
}

function deleteExperiment(state: FakeArizeState, _request: FakeRequest, [id]: string[]): FakeAnswer {
  const experiment = requireExperiment(state, id!);
  state.experiments.splice(state.experiments.indexOf(experiment), 1);
  for (let i = state.runs.length - 1; i >= 0; i--) if (state.runs[i]!.experimentId === experiment.id) state.runs.splice(i, 1);
  return { status: 204 };
}

function listRuns(state: FakeArizeState, request: FakeRequest, [id]: string[]): FakeAnswer {
  const experiment = requireExperiment(state, id!);
  const { items, pagination } = page(request, "/v2/experiments/{id}/runs", state.runsOf(experiment.id));
  return { status: 200, body: { experiment_runs: items, pagination } };
}

function insertRuns(state: FakeArizeState, request: FakeRequest, [id]: string[]): FakeAnswer {
  const experiment = requireExperiment(state, id!);
  const body = request.body as Partial<InsertExperimentRunsRequest> | undefined;
  const runs = validateRuns(state, experiment, body?.experiment_runs);
  const run_ids = storeRuns(state, experiment.id, runs);
  experiment.updated_at = state.now();
  const answer: ExperimentWithRunIds = { ...experiment, run_ids };
  return { status: 201, body: answer };
}

function annotateRuns(state: FakeArizeState, request: FakeRequest, [id]: string[]): FakeAnswer {
  const experiment = requireExperiment(state, id!);
  const body = request.body as Partial<AnnotateExperimentRunsRequest> | undefined;
  const records = body?.annotations;
  if (!Array.isArray(records) || records.length < 1 || records.length > MAX_RECORDS_PER_REQUEST) {
    throw new ContractError(400, [`annotations must hold 1 to ${MAX_RECORDS_PER_REQUEST} records`]);
  }
  const errors: string[] = [];
  const configs = state.annotationConfigs.get(experiment.space_id) ?? new Set<string>();
  records.forEach((record, index) => {
    if (typeof record?.record_id !== "string") errors.push(`annotations[${index}].record_id is required`);
    if (!Array.isArray(record?.values) || record.values.length === 0) errors.push(`annotations[${index}].values must be a non-empty array`);
    else
      record.values.forEach((value, j) => {
        if (typeof value?.name !== "string") errors.push(`annotations[${index}].values[${j}].name is required`);
        if (value?.score !== undefined && typeof value.score !== "number") errors.push(`annotations[${index}].values[${j}].score must be a number`);
      });
  });
  if (errors.length > 0) throw new ContractError(400, errors);
  const unknown = [...new Set(records.flatMap((r) => r.values.map((v) => v.name)).filter((name) => !configs.has(name)))];
  // Not a contract violation: the space simply lacks the config.
  if (unknown.length > 0) throw new HttpFailure(422, "Unprocessable Entity", `no annotation config named ${unknown.map((n) => `"${n}"`).join(", ")} in the space`);
  for (const record of records) {
    const run = state.runs.find((r) => r.experimentId === experiment.id && r.row.id === record.record_id);
    // Unmatched record ids are silently ignored.
    if (!run) continue;
    for (const value of record.values) {
      const existing = run.annotations.find((a) => a.name === value.name);
      const next = { ...(existing ?? { name: value.name }), ...value, updated_at: state.now() };
      if (existing) run.annotations.splice(run.annotations.indexOf(existing), 1, next);
      else run.annotations.push(next);
    }
  }
  return { status: 202 };
}
