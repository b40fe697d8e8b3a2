import type { Annotation, Dataset, DatasetExample, Experiment, ExperimentRun, Space } from "./contract.js";

/** A request that breaks the v2 contract (a body, a parameter, a limit): the product must never send one. */
export interface ContractViolation {
  method: string;
  path: string;
  errors: string[];
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  status: number | "reset";
  fault?: string;
  /** Whether the request carried the right bearer key. */
  authorized: boolean;
  /** The raw request (headers and body) as text: tests check no secret appears where it should not. */
  rawBody: string;
}

export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
  ) {
    super(`${status} ${title}${detail ? `: ${detail}` : ""}`);
  }
}

/** GlobalID-style ids, as AX issues them: base64 of `<Type>:<n>:<salt>`. */
export function globalId(type: string, n: number): string {
  return Buffer.from(`${type}:${n}:fake`).toString("base64");
}

export interface StoredExample {
  row: DatasetExample;
  datasetId: string;
}

export interface StoredRun {
  row: ExperimentRun;
  experimentId: string;
  annotations: Annotation[];
}

/** Everything the fake AX server holds, for tests to inspect. */
export class FakeArizeState {
  readonly spaces: Space[] = [];
  readonly datasets: Dataset[] = [];
  readonly examples: StoredExample[] = [];
  readonly experiments: Experiment[] = [];
  readonly runs: StoredRun[] = [];
  readonly violations: ContractViolation[] = [];
  readonly requests: RequestLogEntry[] = [];
  /** Annotation config names per space id; annotations of other names are refused (422). */
  readonly annotationConfigs = new Map<string, Set<string>>();
  private counter = 0;

  nextId(type: string): string {
    return globalId(type, ++this.counter);
  }

  now(): string {
    return new Date().toISOString();
  }

  addSpace(name: string): Space {
    const space: Space = { id: this.nextId("Space"), name, description: "", created_at: this.now(), is_private: false };
    this.spaces.push(space);
    return space;
  }

  addAnnotationConfig(spaceId: string, name: string): void {
    const names = this.annotationConfigs.get(spaceId) ?? new Set<string>();
    names.add(name);
    this.annotationConfigs.set(spaceId, names);
  }

  examplesOf(datasetId: string): DatasetExample[] {
    return this.examples.filter((e) => e.datasetId === datasetId).map((e) => e.row);
  }

  runsOf(experimentId: string): ExperimentRun[] {
    return this.runs.filter((r) => r.experimentId === experimentId).map((r) => ({ ...r.row, annotations: r.annotations }));
  }

  experimentNamed(prefix: string): Experiment[] {
    return this.experiments.filter((e) => e.name === prefix || e.name.startsWith(`${prefix} `));
  }
}
