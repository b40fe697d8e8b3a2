/**
 * What a Phoenix server holds for an experiment, read through its public REST API only (never
 * through the product's client), so a test compares the server's state, not the product's view.
 */

export interface ServerExperiment {
  id: string;
  dataset_id: string;
  dataset_version_id: string;
  name: string;
  description: string | null;
  repetitions: number;
  metadata: Record<string, unknown>;
  project_name: string | null;
  example_count: number;
  successful_run_count: number;
  failed_run_count: number;
  missing_run_count: number;
}

export interface ServerRun {
  id: string;
  experiment_id: string;
  dataset_example_id: string;
  repetition_number: number;
  output: unknown;
  start_time: string;
  end_time: string;
  trace_id: string | null;
  error: string | null;
}

/** One evaluation as `GET /v1/experiments/{id}/json` lists it under its run's `annotations`. */
export interface ServerEvaluation {
  name: string;
  annotator_kind: string;
  label: string | null;
  score: number | null;
  explanation: string | null;
  trace_id: string | null;
  error: string | null;
  metadata: Record<string, unknown>;
  start_time: string;
  end_time: string;
}

/** A run of `GET /v1/experiments/{id}/json`: the example and the run's evaluations together. */
export interface ServerJsonRun {
  example_id: string;
  repetition_number: number;
  input: unknown;
  reference_output: unknown;
  output: unknown;
  error: string | null;
  latency_ms: number;
  start_time: string;
  end_time: string;
  trace_id: string | null;
  prompt_token_count: number | null;
  completion_token_count: number | null;
  annotations: ServerEvaluation[];
}

export async function getJson<T>(base: string, path: string): Promise<T> {
  const response = await fetch(`${base}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function serverExperiment(base: string, id: string): Promise<ServerExperiment> {
  return (await getJson<{ data: ServerExperiment }>(base, `/v1/experiments/${id}`)).data;
}

export async function serverRuns(base: string, id: string): Promise<ServerRun[]> {
  return (await getJson<{ data: ServerRun[] }>(base, `/v1/experiments/${id}/runs`)).data;
}

export async function serverJsonRuns(base: string, id: string): Promise<ServerJsonRun[]> {
  const response = await fetch(`${base}/v1/experiments/${id}/json`);
  if (!response.ok) throw new Error(`GET /v1/experiments/${id}/json: ${response.status} ${await response.text()}`);
  return JSON.parse(await response.text()) as ServerJsonRun[];
}

export async function experimentsOfDataset(base: string, datasetId: string): Promise<ServerExperiment[]> {
  return (await getJson<{ data: ServerExperiment[] }>(base, `/v1/datasets/${datasetId}/experiments`)).data;
}

/** Trace ids the server holds in a project (every page). */
export async function projectTraceIds(base: string, project: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: "1000", ...(cursor ? { cursor } : {}) });
    const page: { data: { trace_id: string }[]; next_cursor: string | null } = await getJson(base, `/v1/projects/${encodeURIComponent(project)}/traces?${query}`);
    for (const trace of page.data) ids.add(trace.trace_id);
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}
