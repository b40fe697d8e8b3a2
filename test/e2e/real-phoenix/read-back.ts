/**
 * Reading what the real Phoenix server holds, through its own REST API (not through the
 * product's client, so a client bug cannot hide a server-side difference).
 */

// One shape of an experiment as the server answers it, shared with the other real-server helpers.
import type { ServerExperiment } from "../../support/phoenix-rest.js";
export type { ServerExperiment };

export interface ServerRunJson {
  example_id: string;
  repetition_number: number;
  output: unknown;
  error: string | null;
  trace_id: string | null;
  annotations: { name: string; annotator_kind: string; label: string | null; score: number | null; explanation: string | null; error: string | null; metadata: Record<string, unknown> }[];
}

export interface ServerExample {
  id: string;
  node_id: string;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export class PhoenixRest {
  constructor(readonly url: string) {}

  async get<T>(path: string): Promise<T> {
    const response = await fetch(this.url + path);
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  async send(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const response = await fetch(this.url + path, {
      method,
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    return { status: response.status, text: await response.text() };
  }

  async dataset(name: string): Promise<{ id: string; name: string; example_count: number } | undefined> {
    return (await this.get<{ data: { id: string; name: string; example_count: number }[] }>(`/v1/datasets?name=${encodeURIComponent(name)}`)).data[0];
  }

  async experiments(datasetId: string): Promise<ServerExperiment[]> {
    return (await this.get<{ data: ServerExperiment[] }>(`/v1/datasets/${datasetId}/experiments`)).data;
  }

  async experiment(id: string): Promise<ServerExperiment> {
    return (await this.get<{ data: ServerExperiment }>(`/v1/experiments/${id}`)).data;
  }

  async runs(experimentId: string): Promise<ServerRunJson[]> {
    return this.get<ServerRunJson[]>(`/v1/experiments/${experimentId}/json`);
  }

  async versions(datasetId: string): Promise<string[]> {
    return (await this.get<{ data: { version_id: string }[] }>(`/v1/datasets/${datasetId}/versions`)).data.map((v) => v.version_id);
  }

  async examples(datasetId: string, versionId?: string, splits: string[] = []): Promise<ServerExample[]> {
    const query = new URLSearchParams();
    if (versionId) query.set("version_id", versionId);
    for (const split of splits) query.append("split", split);
    return (await this.get<{ data: { examples: ServerExample[] } }>(`/v1/datasets/${datasetId}/examples?${query}`)).data.examples;
  }

  /** Uploads a dataset the way a Phoenix user would (JSON, synchronously). */
  async upload(body: Record<string, unknown>): Promise<{ dataset_id: string; version_id: string }> {
    const response = await this.send("POST", "/v1/datasets/upload?sync=true", body);
    if (response.status !== 200) throw new Error(`dataset upload answered ${response.status}: ${response.text}`);
    return (JSON.parse(response.text) as { data: { dataset_id: string; version_id: string } }).data;
  }

  /** Every span of a project (by name). */
  async spans(project: string): Promise<{ name: string; context: { trace_id: string; span_id: string } }[]> {
    return (await this.get<{ data: { name: string; context: { trace_id: string; span_id: string } }[] }>(`/v1/projects/${encodeURIComponent(project)}/spans?limit=1000`)).data;
  }
}

/** `example id#repetition` of each run, sorted. */
export function runKeys(runs: readonly { example_id: string; repetition_number: number }[], idOf: (nodeId: string) => string = (id) => id): string[] {
  return runs.map((r) => `${idOf(r.example_id)}#${r.repetition_number}`).sort();
}
