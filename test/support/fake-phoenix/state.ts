import { createHash } from "node:crypto";
import { fromGlobalId, toGlobalId } from "../../../src/phoenix/ids.js";

/**
 * The fake server's database: the rows Phoenix keeps for datasets, versions, examples (one
 * revision per version that changed them), experiments, runs and evaluations, with the server's
 * rules (`shared/phoenix/API.md`). Row ids are global per table, as in Phoenix's database.
 */

type Json = unknown;
type JsonObject = Record<string, unknown>;

export interface ExampleRevision {
  versionRowId: number;
  input: JsonObject;
  output: JsonObject;
  metadata: JsonObject;
  deleted: boolean;
}
export interface ExampleRow {
  rowId: number;
  externalId: string | null;
  revisions: ExampleRevision[];
  /** The splits the example is in now: Phoenix does not version split membership. */
  splits: string[];
}
export interface VersionRow {
  rowId: number;
  description: string | null;
  metadata: JsonObject;
  createdAt: string;
}
export interface DatasetRow {
  rowId: number;
  name: string;
  description: string | null;
  metadata: JsonObject;
  createdAt: string;
  updatedAt: string;
  versions: VersionRow[];
  examples: ExampleRow[];
}
export interface ExperimentRow {
  rowId: number;
  datasetRowId: number;
  versionRowId: number;
  name: string;
  description: string | null;
  metadata: JsonObject;
  repetitions: number;
  projectName: string;
  createdAt: string;
  updatedAt: string;
  exampleRowIds: number[];
}
export interface RunRow {
  rowId: number;
  experimentRowId: number;
  exampleRowId: number;
  repetition: number;
  output: Json;
  startTime: string;
  endTime: string;
  traceId: string | null;
  error: string | null;
}
export interface EvaluationRow {
  rowId: number;
  runRowId: number;
  name: string;
  annotatorKind: string;
  result: { label?: string | null; score?: number | null; explanation?: string | null } | null;
  error: string | null;
  metadata: JsonObject;
  traceId: string | null;
  startTime: string;
  endTime: string;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  status: number | "reset" | "refused";
  fault?: string;
}

export interface ContractViolation {
  method: string;
  path: string;
  errors: string[];
}

/** A rule of the server broken by the request: becomes an HTTP error answer. */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: string | JsonObject,
  ) {
    super(typeof body === "string" ? body : JSON.stringify(body));
  }
}

export function validationFailure(loc: (string | number)[], msg: string, input?: unknown): HttpFailure {
  return new HttpFailure(422, { detail: [{ loc, msg, type: "value_error", input, ctx: {} }] });
}

export class FakePhoenixState {
  /** Whose behaviour to copy where Phoenix on SQLite and on PostgreSQL differ. */
  database: "postgres" | "sqlite" = "postgres";
  readonly datasets: DatasetRow[] = [];
  readonly experiments: ExperimentRow[] = [];
  readonly runs: RunRow[] = [];
  readonly evaluations: EvaluationRow[] = [];
  /** Split names, global across datasets (as Phoenix's dataset_splits table). */
  readonly splitNames = new Set<string>();
  readonly requests: RequestLogEntry[] = [];
  readonly violations: ContractViolation[] = [];
  /** OTLP/HTTP protobuf export requests to /v1/traces, as received. */
  readonly traces: Buffer[] = [];
  private readonly sequences = new Map<string, number>();
  private clock = Date.parse("2026-01-01T00:00:00.000Z");

  nextRowId(table: string): number {
    const next = (this.sequences.get(table) ?? 0) + 1;
    this.sequences.set(table, next);
    return next;
  }

  /** Monotonic timestamps, so `created_at` orders like row ids. */
  now(): string {
    this.clock += 1;
    return new Date(this.clock).toISOString().replace("Z", "+00:00");
  }

  // ---- inspection helpers for tests ----

  /** Requests whose method and path match, e.g. `count("POST", /\/runs$/)`. */
  count(method: string, path: RegExp | string): number {
    return this.requests.filter((r) => r.method === method && (typeof path === "string" ? r.path === path : path.test(r.path))).length;
  }

  experimentById(id: string): ExperimentRow | undefined {
    const decoded = fromGlobalId(id);
    return decoded?.type === "Experiment" ? this.experiments.find((e) => e.rowId === decoded.rowId) : undefined;
  }

  runsOf(experimentId: string): RunRow[] {
    const experiment = this.experimentById(experimentId);
    return experiment ? this.runs.filter((r) => r.experimentRowId === experiment.rowId) : [];
  }

  evaluationsOf(experimentId: string): EvaluationRow[] {
    const runIds = new Set(this.runsOf(experimentId).map((r) => r.rowId));
    return this.evaluations.filter((e) => runIds.has(e.runRowId));
  }

  datasetByName(name: string): DatasetRow | undefined {
    return this.datasets.find((d) => d.name === name);
  }

  /** The examples of a dataset version as Phoenix snapshots them (latest revision ≤ version, not deleted). */
  examplesAt(dataset: DatasetRow, versionRowId: number): { row: ExampleRow; revision: ExampleRevision }[] {
    const out: { row: ExampleRow; revision: ExampleRevision }[] = [];
    for (const row of dataset.examples) {
      const revision = [...row.revisions].reverse().find((r) => r.versionRowId <= versionRowId);
      if (revision && !revision.deleted) out.push({ row, revision });
    }
    return out.sort((a, b) => a.row.rowId - b.row.rowId);
  }

  latestVersion(dataset: DatasetRow): VersionRow | undefined {
    return dataset.versions[dataset.versions.length - 1];
  }

  // ---- JSON shapes ----

  datasetJson(dataset: DatasetRow) {
    const latest = this.latestVersion(dataset);
    return {
      id: toGlobalId("Dataset", dataset.rowId),
      name: dataset.name,
      description: dataset.description,
      metadata: dataset.metadata,
      created_at: dataset.createdAt,
      updated_at: dataset.updatedAt,
      example_count: latest ? this.examplesAt(dataset, latest.rowId).length : 0,
    };
  }

  exampleJson(row: ExampleRow, revision: ExampleRevision) {
    const nodeId = toGlobalId("DatasetExample", row.rowId);
    return {
      id: row.externalId ?? nodeId,
      node_id: nodeId,
      input: revision.input,
      output: revision.output,
      metadata: revision.metadata,
      updated_at: this.now(),
      source: null,
    };
  }

  experimentJson(experiment: ExperimentRow) {
    const runs = this.runs.filter((r) => r.experimentRowId === experiment.rowId);
    const successful = runs.filter((r) => r.error === null).length;
    const failed = runs.length - successful;
    const exampleCount = experiment.exampleRowIds.length;
    return {
      id: toGlobalId("Experiment", experiment.rowId),
      dataset_id: toGlobalId("Dataset", experiment.datasetRowId),
      dataset_version_id: toGlobalId("DatasetVersion", experiment.versionRowId),
      name: experiment.name,
      description: experiment.description,
      repetitions: experiment.repetitions,
      metadata: experiment.metadata,
      project_name: experiment.projectName,
      created_at: experiment.createdAt,
      updated_at: experiment.updatedAt,
      example_count: exampleCount,
      successful_run_count: successful,
      failed_run_count: failed,
      missing_run_count: exampleCount * experiment.repetitions - successful - failed,
    };
  }

  runJson(run: RunRow) {
    return {
      id: toGlobalId("ExperimentRun", run.rowId),
      experiment_id: toGlobalId("Experiment", run.experimentRowId),
      dataset_example_id: toGlobalId("DatasetExample", run.exampleRowId),
      repetition_number: run.repetition,
      output: run.output,
      start_time: run.startTime,
      end_time: run.endTime,
      trace_id: run.traceId,
      error: run.error,
    };
  }
}

export function contentHash(input: unknown, output: unknown, metadata: unknown): string {
  return createHash("sha256").update(JSON.stringify([input, output, metadata])).digest("hex");
}
