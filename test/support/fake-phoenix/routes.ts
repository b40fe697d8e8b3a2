import { randomBytes } from "node:crypto";
import { fromGlobalId, toGlobalId } from "../../../src/phoenix/ids.js";
import type { CreateExperimentBody, CreateRunBody, UploadDatasetBody, UpsertEvaluationBody } from "../../../src/phoenix/api-types.js";
import { FAKE_PHOENIX_VERSION } from "./version.js";
import {
  contentHash,
  type DatasetRow,
  type ExampleRow,
  type FakePhoenixState,
  HttpFailure,
  validationFailure,
} from "./state.js";

/** The fake server's route handlers: pure functions of the state and a parsed request. */

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  contentType: string | undefined;
}
export interface FakeResponse {
  status: number;
  /** A string is sent as text/plain, anything else as JSON (`undefined`: no body). */
  body?: unknown;
}

type Handler = (state: FakePhoenixState, request: FakeRequest, params: string[]) => FakeResponse;
type JsonObject = Record<string, unknown>;

const routes: { method: string; pattern: RegExp; handler: Handler }[] = [];
function route(method: string, pattern: RegExp, handler: Handler): void {
  routes.push({ method, pattern, handler });
}

export function handle(state: FakePhoenixState, request: FakeRequest): FakeResponse {
  let pathMatched = false;
  for (const candidate of routes) {
    const match = candidate.pattern.exec(request.path);
    if (!match) continue;
    pathMatched = true;
    if (candidate.method !== request.method) continue;
    return candidate.handler(state, request, match.slice(1).map(decodeURIComponent));
  }
  if (pathMatched) return { status: 405, body: "Method Not Allowed" };
  // Phoenix serves its web app for any other GET (a 200 HTML page, even under /v1/), and 405 otherwise.
  return request.method === "GET" ? { status: 200, body: new HtmlPage(APP_PAGE) } : { status: 405, body: "Method Not Allowed" };
}

/** A body sent as text/html. */
export class HtmlPage {
  constructor(readonly html: string) {}
}
const APP_PAGE = "<!DOCTYPE html>\n<html>\n  <head>\n    <title>Phoenix</title>\n  </head>\n  <body><div id=\"root\"></div></body>\n</html>\n";

// ---- helpers ----

/** Decodes a path/query GlobalID: undecodable → 422, wrong type → 404 (Phoenix's usual rule). */
function rowIdOf(id: string, type: string, what: string, loc: string[] = ["path", what]): number {
  const decoded = fromGlobalId(id);
  if (!decoded) throw validationFailure(loc, `Invalid ${type} ID: ${id}`, id);
  if (decoded.type !== type) throw new HttpFailure(404, `${type} with ID ${id} not found`);
  return decoded.rowId;
}

function limitOf(query: URLSearchParams, fallback: number | undefined): number | undefined {
  const raw = query.get("limit");
  if (raw === null) return fallback;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit <= 0) throw validationFailure(["query", "limit"], "Input should be greater than 0", raw);
  return limit;
}

/** Newest first, `limit+1` fetched, `next_cursor` = id of the first row of the next page, filter `id <= cursor`. */
function paginate<T extends { rowId: number }>(
  rows: T[],
  query: URLSearchParams,
  cursorType: string,
  defaultLimit: number | undefined,
): { page: T[]; next_cursor: string | null } {
  const limit = limitOf(query, defaultLimit);
  const cursor = query.get("cursor");
  let cursorRowId = Number.POSITIVE_INFINITY;
  if (cursor) {
    const decoded = fromGlobalId(cursor);
    if (!decoded || decoded.type !== cursorType) throw validationFailure(["query", "cursor"], `Invalid cursor: ${cursor}`, cursor);
    cursorRowId = decoded.rowId;
  }
  const sorted = rows.filter((r) => r.rowId <= cursorRowId).sort((a, b) => b.rowId - a.rowId);
  if (limit === undefined) return { page: sorted, next_cursor: null };
  const fetched = sorted.slice(0, limit + 1);
  const next = fetched.length > limit ? fetched[limit]! : undefined;
  return { page: fetched.slice(0, limit), next_cursor: next ? toGlobalId(cursorType, next.rowId) : null };
}

function datasetOf(state: FakePhoenixState, id: string): DatasetRow {
  const rowId = rowIdOf(id, "Dataset", "id");
  const dataset = state.datasets.find((d) => d.rowId === rowId);
  if (!dataset) throw new HttpFailure(404, `Dataset with ID ${id} not found`);
  return dataset;
}

function experimentOf(state: FakePhoenixState, id: string) {
  const rowId = rowIdOf(id, "Experiment", "experiment_id");
  const experiment = state.experiments.find((e) => e.rowId === rowId);
  if (!experiment) throw new HttpFailure(404, `Experiment with ID ${id} does not exist`);
  return experiment;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ---- health and version ----

route("GET", /^\/healthz$/, () => ({ status: 200, body: "OK" }));
route("GET", /^\/readyz$/, () => ({ status: 200, body: "OK" }));
route("GET", /^\/arize_phoenix_version$/, () => ({ status: 200, body: FAKE_PHOENIX_VERSION }));

// ---- datasets ----

route("GET", /^\/v1\/datasets$/, (state, { query }) => {
  const name = query.get("name");
  const rows = name === null ? state.datasets : state.datasets.filter((d) => d.name === name);
  const { page, next_cursor } = paginate(rows, query, "Dataset", 10);
  return { status: 200, body: { data: page.map((d) => state.datasetJson(d)), next_cursor } };
});

route("POST", /^\/v1\/datasets\/upload$/, (state, request) => {
  if (!request.contentType) throw new HttpFailure(400, "Missing content-type header");
  if (!request.contentType.startsWith("application/json")) throw new HttpFailure(422, "Unsupported content type");
  const sync = ["true", "1"].includes((request.query.get("sync") ?? "false").toLowerCase());
  const result = uploadDataset(state, request.body as UploadDatasetBody);
  return { status: 200, body: sync ? { data: result } : null };
});

route("GET", /^\/v1\/datasets\/([^/]+)$/, (state, _request, [id]) => ({
  status: 200,
  body: { data: state.datasetJson(datasetOf(state, id!)) },
}));

route("DELETE", /^\/v1\/datasets\/([^/]+)$/, (state, _request, [id]) => {
  const dataset = datasetOf(state, id!);
  state.datasets.splice(state.datasets.indexOf(dataset), 1);
  return { status: 204 };
});

route("GET", /^\/v1\/datasets\/([^/]+)\/versions$/, (state, { query }, [id]) => {
  const dataset = datasetOf(state, id!);
  const { page, next_cursor } = paginate(dataset.versions, query, "DatasetVersion", 10);
  return {
    status: 200,
    body: {
      data: page.map((v) => ({
        version_id: toGlobalId("DatasetVersion", v.rowId),
        description: v.description,
        metadata: v.metadata,
        created_at: v.createdAt,
      })),
      next_cursor,
    },
  };
});

route("GET", /^\/v1\/datasets\/([^/]+)\/examples$/, (state, { query }, [id]) => {
  const dataset = datasetOf(state, id!);
  const versionId = query.get("version_id");
  let versionRowId: number;
  if (versionId) {
    versionRowId = rowIdOf(versionId, "DatasetVersion", "version_id", ["query", "version_id"]);
    if (!dataset.versions.some((v) => v.rowId === versionRowId)) {
      throw new HttpFailure(404, `No dataset version with ID ${versionId} for dataset ${id}`);
    }
  } else {
    const latest = state.latestVersion(dataset);
    if (!latest) throw new HttpFailure(404, `Dataset ${id} has no versions.`);
    versionRowId = latest.rowId;
  }
  const splits = query.getAll("split");
  let examples = state.examplesAt(dataset, versionRowId);
  if (splits.length > 0) {
    requireSplits(state, splits);
    // Split membership is not versioned: it is the example's current assignment.
    examples = examples.filter((e) => e.row.splits.some((s) => splits.includes(s)));
  }
  return {
    status: 200,
    body: {
      data: {
        dataset_id: toGlobalId("Dataset", dataset.rowId),
        version_id: toGlobalId("DatasetVersion", versionRowId),
        filtered_splits: splits,
        examples: examples.map(({ row, revision }) => state.exampleJson(row, revision)),
      },
    },
  };
});


/** Splits are global by name (shared by every dataset): an unknown name is a 404. */
function requireSplits(state: FakePhoenixState, splits: readonly string[]): void {
  const unknown = splits.map((s) => s.trim()).filter((s) => !state.splitNames.has(s));
  if (unknown.length > 0) throw new HttpFailure(404, `Dataset splits not found: ${unknown.join(", ")}`);
}

function uploadDataset(state: FakePhoenixState, body: UploadDatasetBody) {
  if (!body.name) throw validationFailure(["body", "name"], "Dataset name must not be empty", body.name);
  for (const key of ["outputs", "metadata", "splits", "example_ids", "span_ids"] as const) {
    const column = (body as unknown as Record<string, unknown[] | undefined>)[key];
    if (column && column.length !== body.inputs.length) {
      throw validationFailure(["body", key], `${key} must have the same length as inputs`);
    }
  }
  const externalIds = body.example_ids ?? [];
  const nonNull = externalIds.filter((id): id is string => id !== null);
  if (new Set(nonNull).size !== nonNull.length) throw validationFailure(["body", "example_ids"], "example_ids must be unique");

  const action = body.action ?? "create";
  let dataset = state.datasetByName(body.name);
  if (dataset && action === "create") throw new HttpFailure(409, `A dataset named "${body.name}" already exists.`);
  const now = state.now();
  if (!dataset) {
    dataset = {
      rowId: state.nextRowId("datasets"),
      name: body.name,
      description: body.description ?? null,
      metadata: {},
      createdAt: now,
      updatedAt: now,
      versions: [],
      examples: [],
    };
    state.datasets.push(dataset);
  }
  const latest = state.latestVersion(dataset);
  const current = latest ? state.examplesAt(dataset, latest.rowId) : [];

  type Change = { row: ExampleRow | null; input: JsonObject; output: JsonObject; metadata: JsonObject; splits: string[]; externalId: string | null };
  const changes: Change[] = [];
  const matched = new Set<ExampleRow>();
  let created = 0;
  let updated = 0;
  body.inputs.forEach((input, index) => {
    const output = body.outputs?.[index] ?? {};
    const metadata = body.metadata?.[index] ?? {};
    const splitValue = body.splits?.[index] ?? null;
    const splits = (splitValue === null ? [] : Array.isArray(splitValue) ? splitValue : [splitValue]).map((s) => s.trim()).filter((s) => s !== "");
    const externalId = externalIds[index] ?? null;
    let row: ExampleRow | undefined;
    if (externalId !== null) {
      const decoded = fromGlobalId(externalId);
      if (decoded?.type === "DatasetExample") {
        row = dataset.examples.find((e) => e.rowId === decoded.rowId);
        if (!row) throw validationFailure(["body", "example_ids", index], `DatasetExample ${externalId} does not exist`, externalId);
      } else {
        row = dataset.examples.find((e) => e.externalId === externalId);
      }
    } else {
      const hash = contentHash(input, output, metadata);
      row = current.find((e) => !matched.has(e.row) && contentHash(e.revision.input, e.revision.output, e.revision.metadata) === hash)?.row;
    }
    if (row) {
      matched.add(row);
      const live = current.find((e) => e.row === row)?.revision;
      const same = live && contentHash(live.input, live.output, live.metadata) === contentHash(input, output, metadata);
      // Splits are assigned to the example itself, not to a version (a change of splits alone
      // makes no new version): without a `splits` column its assignments stay; with one they are replaced.
      if (body.splits) {
        row.splits = splits;
        for (const name of splits) state.splitNames.add(name);
      }
      if (same) return;
      updated += live ? 1 : 0;
      created += live ? 0 : 1;
    } else {
      created += 1;
    }
    changes.push({ row: row ?? null, input, output, metadata, splits, externalId });
  });
  const deletions = action === "update" ? current.filter((e) => !matched.has(e.row)).map((e) => e.row) : [];

  for (const name of changes.flatMap((c) => c.splits)) state.splitNames.add(name);
  for (const row of deletions) row.splits = [];
  if (changes.length === 0 && deletions.length === 0 && latest) {
    // Phoenix answers an unchanged upload with the newest version by `created_at`, which SQLite
    // keeps to the second: there, of the versions made in the newest second, the first one.
    const second = (v: { createdAt: string }) => v.createdAt.slice(0, 19);
    const answered = state.database === "sqlite" ? dataset.versions.find((v) => second(v) === second(latest))! : latest;
    return { dataset_id: toGlobalId("Dataset", dataset.rowId), version_id: toGlobalId("DatasetVersion", answered.rowId), num_created_examples: 0, num_updated_examples: 0, num_deleted_examples: 0 };
  }
  const version = { rowId: state.nextRowId("versions"), description: body.description ?? null, metadata: {}, createdAt: now };
  dataset.versions.push(version);
  dataset.updatedAt = now;
  for (const change of changes) {
    let row = change.row;
    if (!row) {
      row = { rowId: state.nextRowId("examples"), externalId: change.externalId, revisions: [], splits: body.splits ? change.splits : [] };
      dataset.examples.push(row);
    }
    row.revisions.push({ versionRowId: version.rowId, input: change.input, output: change.output, metadata: change.metadata, deleted: false });
  }
  for (const row of deletions) {
    const last = row.revisions[row.revisions.length - 1]!;
    row.revisions.push({ ...last, versionRowId: version.rowId, deleted: true });
  }
  return {
    dataset_id: toGlobalId("Dataset", dataset.rowId),
    version_id: toGlobalId("DatasetVersion", version.rowId),
    num_created_examples: created,
    num_updated_examples: updated,
    num_deleted_examples: deletions.length,
  };
}

// ---- experiments ----

route("POST", /^\/v1\/datasets\/([^/]+)\/experiments$/, (state, request, [datasetId]) => {
  const dataset = datasetOf(state, datasetId!);
  const body = (request.body ?? {}) as CreateExperimentBody;
  let versionRowId: number;
  if (body.version_id) {
    versionRowId = rowIdOf(body.version_id, "DatasetVersion", "version_id", ["body", "version_id"]);
    if (!dataset.versions.some((v) => v.rowId === versionRowId)) throw new HttpFailure(404, `DatasetVersion with ID ${body.version_id} not found`);
  } else {
    const latest = state.latestVersion(dataset);
    if (!latest) throw new HttpFailure(404, `Dataset ${datasetId} has no versions.`);
    versionRowId = latest.rowId;
  }
  const repetitions = body.repetitions ?? 1;
  if (repetitions < 1) throw new HttpFailure(500, "Internal Server Error");
  let examples = state.examplesAt(dataset, versionRowId);
  if (body.splits) {
    requireSplits(state, body.splits);
    const splits = body.splits.map((s) => s.trim());
    examples = examples.filter((e) => e.row.splits.some((s) => splits.includes(s)));
  }
  const now = state.now();
  const rowId = state.nextRowId("experiments");
  const experiment = {
    rowId,
    datasetRowId: dataset.rowId,
    versionRowId,
    // Phoenix generates a name for a missing or empty one.
    name: body.name || `${dataset.name.slice(0, 8).replace(/ /g, "-")}-${randomBytes(4).toString("hex")}`,
    description: body.description ?? null,
    metadata: body.metadata ?? {},
    repetitions,
    projectName: `Experiment-${randomBytes(12).toString("hex")}`,
    createdAt: now,
    updatedAt: now,
    exampleRowIds: examples.map((e) => e.row.rowId),
  };
  state.experiments.push(experiment);
  return { status: 200, body: { data: state.experimentJson(experiment) } };
});

route("GET", /^\/v1\/datasets\/([^/]+)\/experiments$/, (state, { query }, [datasetId]) => {
  const datasetRowId = rowIdOf(datasetId!, "Dataset", "dataset_id");
  const rows = state.experiments.filter((e) => e.datasetRowId === datasetRowId);
  const { page, next_cursor } = paginate(rows, query, "Experiment", 50);
  return { status: 200, body: { data: page.map((e) => state.experimentJson(e)), next_cursor } };
});

route("GET", /^\/v1\/experiments\/([^/]+)$/, (state, _request, [id]) => ({
  status: 200,
  body: { data: state.experimentJson(experimentOf(state, id!)) },
}));

route("PATCH", /^\/v1\/experiments\/([^/]+)$/, (state, request, [id]) => {
  const experiment = experimentOf(state, id!);
  const body = (request.body ?? {}) as { name?: string | null; description?: string | null; metadata?: JsonObject | null };
  if (!("name" in body) && !("description" in body) && !("metadata" in body)) throw new HttpFailure(422, "No fields to update");
  if ("name" in body) {
    if (body.name === null) throw validationFailure(["body", "name"], "name cannot be null");
    experiment.name = body.name!;
  }
  if ("description" in body) experiment.description = body.description ?? null;
  if ("metadata" in body) {
    if (body.metadata === null) throw validationFailure(["body", "metadata"], "metadata cannot be null");
    experiment.metadata = body.metadata!;
  }
  experiment.updatedAt = state.now();
  return { status: 200, body: { data: state.experimentJson(experiment) } };
});

route("DELETE", /^\/v1\/experiments\/([^/]+)$/, (state, _request, [id]) => {
  const experiment = experimentOf(state, id!);
  state.experiments.splice(state.experiments.indexOf(experiment), 1);
  const runIds = new Set(state.runs.filter((r) => r.experimentRowId === experiment.rowId).map((r) => r.rowId));
  removeWhere(state.runs, (r) => runIds.has(r.rowId));
  removeWhere(state.evaluations, (e) => runIds.has(e.runRowId));
  return { status: 204 };
});

function removeWhere<T>(rows: T[], predicate: (row: T) => boolean): void {
  for (let i = rows.length - 1; i >= 0; i--) if (predicate(rows[i]!)) rows.splice(i, 1);
}

/** The experiment's runs with their examples and annotations; 404 when it has no runs (as Phoenix does). */
route("GET", /^\/v1\/experiments\/([^/]+)\/json$/, (state, _request, [id]) => {
  const experiment = experimentOf(state, id!);
  const runs = state.runs.filter((r) => r.experimentRowId === experiment.rowId).sort((a, b) => a.exampleRowId - b.exampleRowId || a.repetition - b.repetition);
  if (runs.length === 0) throw new HttpFailure(404, "Experiment has no runs");
  const dataset = state.datasets.find((d) => d.rowId === experiment.datasetRowId);
  const examples = new Map((dataset ? state.examplesAt(dataset, experiment.versionRowId) : []).map((e) => [e.row.rowId, e.revision]));
  const records = runs.map((run) => {
    const example = examples.get(run.exampleRowId);
    return {
      example_id: toGlobalId("DatasetExample", run.exampleRowId),
      repetition_number: run.repetition,
      input: example?.input ?? {},
      reference_output: example?.output ?? {},
      output: run.output,
      error: run.error,
      latency_ms: Date.parse(run.endTime) - Date.parse(run.startTime),
      start_time: run.startTime,
      end_time: run.endTime,
      trace_id: run.traceId,
      prompt_token_count: null,
      completion_token_count: null,
      annotations: state.evaluations
        .filter((e) => e.runRowId === run.rowId)
        .map((e) => ({
          name: e.name,
          annotator_kind: e.annotatorKind,
          label: e.result?.label ?? null,
          score: e.result?.score ?? null,
          explanation: e.result?.explanation ?? null,
          trace_id: e.traceId,
          error: e.error,
          metadata: e.metadata,
          start_time: e.startTime,
          end_time: e.endTime,
        })),
    };
  });
  return { status: 200, body: records };
});

// ---- runs ----

route("POST", /^\/v1\/experiments\/([^/]+)\/runs$/, (state, request, [experimentId]) => {
  const experimentRowId = rowIdOf(experimentId!, "Experiment", "experiment_id");
  const body = request.body as CreateRunBody;
  const example = fromGlobalId(body.dataset_example_id);
  // Phoenix does not catch these (foreign-key or decoding errors surface as 500s).
  if (!example) throw new HttpFailure(500, "Internal Server Error");
  if (example.type !== "DatasetExample") throw new HttpFailure(404, `DatasetExample with ID ${body.dataset_example_id} not found`);
  if (!state.experiments.some((e) => e.rowId === experimentRowId)) throw new HttpFailure(500, "Internal Server Error");
  if (!state.datasets.some((d) => d.examples.some((e) => e.rowId === example.rowId))) throw new HttpFailure(500, "Internal Server Error");

  const existing = state.runs.find(
    (r) => r.experimentRowId === experimentRowId && r.exampleRowId === example.rowId && r.repetition === body.repetition_number,
  );
  const fields = {
    output: body.output,
    startTime: body.start_time,
    endTime: body.end_time,
    traceId: body.trace_id ?? null,
    error: body.error ?? null,
  };
  if (existing) {
    const id = toGlobalId("ExperimentRun", existing.rowId);
    if (existing.error === null) throw new HttpFailure(409, `Experiment run ${id} already exists with a successful result and cannot be updated`);
    Object.assign(existing, fields);
    return { status: 200, body: { data: { id } } };
  }
  const run = { rowId: state.nextRowId("runs"), experimentRowId, exampleRowId: example.rowId, repetition: body.repetition_number, ...fields };
  state.runs.push(run);
  return { status: 200, body: { data: { id: toGlobalId("ExperimentRun", run.rowId) } } };
});

route("GET", /^\/v1\/experiments\/([^/]+)\/runs$/, (state, { query }, [experimentId]) => {
  const experimentRowId = rowIdOf(experimentId!, "Experiment", "experiment_id");
  const rows = state.runs.filter((r) => r.experimentRowId === experimentRowId);
  const { page, next_cursor } = paginate(rows, query, "ExperimentRun", undefined);
  return { status: 200, body: { data: page.map((r) => state.runJson(r)), next_cursor } };
});

route("GET", /^\/v1\/experiments\/([^/]+)\/incomplete-runs$/, (state, { query }, [experimentId]) => {
  const experiment = experimentOf(state, experimentId!);
  const dataset = state.datasets.find((d) => d.rowId === experiment.datasetRowId);
  const snapshot = dataset ? state.examplesAt(dataset, experiment.versionRowId).filter((e) => experiment.exampleRowIds.includes(e.row.rowId)) : [];
  const incomplete = snapshot
    .map(({ row, revision }) => {
      const repetitions: number[] = [];
      for (let rep = 1; rep <= experiment.repetitions; rep++) {
        const run = state.runs.find((r) => r.experimentRowId === experiment.rowId && r.exampleRowId === row.rowId && r.repetition === rep);
        if (!run || run.error !== null) repetitions.push(rep);
      }
      return { rowId: row.rowId, row, revision, repetitions };
    })
    .filter((e) => e.repetitions.length > 0);
  const { page, next_cursor } = paginate(incomplete, query, "DatasetExample", 50);
  return {
    status: 200,
    body: {
      data: page.map((e) => ({ dataset_example: state.exampleJson(e.row, e.revision), repetition_numbers: e.repetitions })),
      next_cursor,
    },
  };
});

// ---- evaluations ----

route("POST", /^\/v1\/experiment_evaluations$/, (state, request) => {
  const body = request.body as UpsertEvaluationBody;
  const run = fromGlobalId(body.experiment_run_id);
  if (run?.type !== "ExperimentRun") throw new HttpFailure(404, `ExperimentRun with ID ${body.experiment_run_id} not found`);
  if (!state.runs.some((r) => r.rowId === run.rowId)) throw new HttpFailure(500, "Internal Server Error");
  if ((body.result ?? null) === null && (body.error ?? null) === null) {
    throw validationFailure(["body"], "Value error, Either result or error must be provided");
  }
  // Phoenix keeps only label, score and explanation of `result`; other keys are dropped, except `metadata`
  // nested there (older clients), which it merges into the evaluation's metadata with top-level keys winning.
  const result = isObject(body.result)
    ? { label: body.result.label ?? null, score: body.result.score ?? null, explanation: body.result.explanation ?? null }
    : null;
  const raw = (request.body as JsonObject).result;
  const nested = isObject(raw) && isObject(raw.metadata) ? raw.metadata : {};
  const fields = {
    annotatorKind: body.annotator_kind,
    result,
    error: body.error ?? null,
    metadata: { ...nested, ...(body.metadata ?? {}) },
    traceId: body.trace_id ?? null,
    startTime: body.start_time,
    endTime: body.end_time,
  };
  const existing = state.evaluations.find((e) => e.runRowId === run.rowId && e.name === body.name);
  if (existing) {
    Object.assign(existing, fields);
    return { status: 200, body: { data: { id: toGlobalId("ExperimentEvaluation", existing.rowId) } } };
  }
  const row = { rowId: state.nextRowId("evaluations"), runRowId: run.rowId, name: body.name, ...fields };
  state.evaluations.push(row);
  return { status: 200, body: { data: { id: toGlobalId("ExperimentEvaluation", row.rowId) } } };
});

route("GET", /^\/v1\/experiments\/([^/]+)\/incomplete-evaluations$/, (state, { query }, [experimentId]) => {
  // Phoenix trims and deduplicates the names asked about (it stores names as sent).
  const names = [...new Set(query.getAll("evaluation_name").map((n) => n.trim()).filter((n) => n !== ""))].sort();
  if (names.length === 0) throw new HttpFailure(400, "At least one evaluation_name must be provided");
  const experiment = experimentOf(state, experimentId!);
  const dataset = state.datasets.find((d) => d.rowId === experiment.datasetRowId);
  const rows = state.runs
    .filter((r) => r.experimentRowId === experiment.rowId)
    .map((run) => {
      const missing = names.filter((name) => {
        const evaluation = state.evaluations.find((e) => e.runRowId === run.rowId && e.name === name);
        return !evaluation || evaluation.error !== null;
      });
      return { rowId: run.rowId, run, missing };
    })
    .filter((r) => r.missing.length > 0);
  const { page, next_cursor } = paginate(rows, query, "ExperimentRun", 50);
  return {
    status: 200,
    body: {
      data: page.map(({ run, missing }) => {
        const example = dataset?.examples.find((e) => e.rowId === run.exampleRowId);
        const revision = example && dataset ? state.examplesAt(dataset, experiment.versionRowId).find((e) => e.row === example)?.revision : undefined;
        return {
          experiment_run: state.runJson(run),
          dataset_example: example && revision ? state.exampleJson(example, revision) : null,
          evaluation_names: missing,
        };
      }),
      next_cursor,
    },
  };
});
