/**
 * The real Phoenix server for W5: the virtual environment `scripts/prerequisites/phoenix.mjs`
 * installs (once, cached), a fresh server per measurement (test/support/real-phoenix.ts), what
 * landed on it read back through its REST API, and its own ceiling.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Pool } from "undici";
import type { RealPhoenix } from "../../test/support/real-phoenix.js";
import { REPO_ROOT } from "./vitest-project.js";

export interface Landed {
  runs: number;
  distinctRuns: number;
  evaluations: number;
  distinctEvaluations: number;
}

/** Installs (or finds) the server and returns the venv; test/support/real-phoenix.ts reads it from the environment. */
export async function realPhoenixVenv(log: (text: string) => void): Promise<string> {
  if (!process.env.VITEST_EXPERIMENTS_PHOENIX_VENV) {
    const prerequisite = (await import(pathToFileURL(join(REPO_ROOT, "scripts/prerequisites/phoenix.mjs")).href)) as {
      ensure(options: { ci: boolean; log: (text: string) => void }): Promise<Record<string, string>>;
    };
    Object.assign(process.env, await prerequisite.ensure({ ci: false, log }));
  }
  return process.env.VITEST_EXPERIMENTS_PHOENIX_VENV!;
}

/** A fresh server (SQLite, its own working folder) for one measurement. */
export async function withRealPhoenix<T>(measure: (server: RealPhoenix) => Promise<T>): Promise<T> {
  const { startRealPhoenix } = await import("../../test/support/real-phoenix.js");
  const server = await startRealPhoenix();
  try {
    return await measure(server);
  } finally {
    await server.close();
  }
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** What the server holds for an experiment, counted by (example, repetition) and (run, name). */
export async function landed(base: string, experimentId: string): Promise<Landed> {
  const runs = await getJson<{ example_id: string; repetition_number: number; annotations: { name: string }[] }[]>(`${base}/v1/experiments/${experimentId}/json`);
  const evaluations = runs.flatMap((r) => r.annotations.map((a) => `${r.example_id}#${r.repetition_number}#${a.name}`));
  return {
    runs: runs.length,
    distinctRuns: new Set(runs.map((r) => `${r.example_id}#${r.repetition_number}`)).size,
    evaluations: evaluations.length,
    distinctEvaluations: new Set(evaluations).size,
  };
}

/** Evaluations of these names the server does not hold yet (for uploaders that post them without awaiting). */
export async function missingEvaluations(base: string, experimentId: string, names: readonly string[]): Promise<number> {
  const query = new URLSearchParams([...names.map((n): [string, string] => ["evaluation_name", n]), ["limit", "10000"]]);
  const page = await getJson<{ data: { evaluation_names: string[] }[] }>(`${base}/v1/experiments/${experimentId}/incomplete-evaluations?${query}`);
  return page.data.reduce((sum, row) => sum + row.evaluation_names.length, 0);
}

/** Phoenix's Python client's run_experiment (AsyncClient, the same task concurrency) against `base`. */
export function runPythonClient(venv: string, base: string, runs: number, concurrency: number): Promise<{ experimentId: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(venv, "bin/python"), [join(REPO_ROOT, "bench/lib/python/w5_run_experiment.py"), JSON.stringify({ base_url: base, runs, concurrency })], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`the Python client exited ${code}:\n${stderr.slice(-3000)}`));
      const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as { experiment_id: string; seconds: number };
      resolve({ experimentId: result.experiment_id, wallMs: result.seconds * 1000 });
    });
  });
}

/**
 * The server's ceiling: the same writes as the workload (the dataset, the experiment, every run,
 * and each run's evaluations once its id is known) from a tight loop of `concurrency` workers over
 * as many kept-alive connections, with nothing else to do: no task, no evaluator, no local store,
 * no tracing. The workers share one queue, so no connection waits while there is work.
 */
export async function ceilingLoop(base: string, runs: number, evaluators: readonly string[], concurrency: number): Promise<{ experimentId: string; wallMs: number }> {
  const pool = new Pool(base, { connections: concurrency, keepAliveTimeout: 10_000 });
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const response = await pool.request({ method: "POST", path, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`POST ${path}: ${response.statusCode} ${text}`);
    return JSON.parse(text) as T;
  };
  const get = async <T>(path: string): Promise<T> => {
    const response = await pool.request({ method: "GET", path });
    return (await response.body.json()) as T;
  };
  try {
    const started = performance.now();
    const ids = Array.from({ length: runs }, (_, i) => `ex${i}`);
    const dataset = await post<{ data: { dataset_id: string; version_id: string } }>("/v1/datasets/upload?sync=true", {
      name: "w5", action: "create", inputs: ids.map((_, i) => ({ n: i })), outputs: ids.map((_, i) => ({ n: i })), metadata: ids.map(() => ({})), example_ids: ids,
    });
    const { dataset_id: datasetId, version_id: versionId } = dataset.data;
    const examples = await get<{ data: { examples: { node_id: string; input: { n: number } }[] } }>(`/v1/datasets/${datasetId}/examples?version_id=${encodeURIComponent(versionId)}`);
    const experiment = await post<{ data: { id: string } }>(`/v1/datasets/${datasetId}/experiments`, { name: "w5", version_id: versionId, repetitions: 1, metadata: {} });
    const experimentId = experiment.data.id;
    const now = new Date().toISOString();
    const queue: (() => Promise<void>)[] = examples.data.examples.map((example) => async () => {
      const run = await post<{ data: { id: string } }>(`/v1/experiments/${experimentId}/runs`, {
        dataset_example_id: example.node_id, output: { n: example.input.n }, repetition_number: 1, start_time: now, end_time: now, trace_id: null, error: null,
      });
      for (const name of evaluators) {
        queue.push(async () => {
          await post("/v1/experiment_evaluations", {
            experiment_run_id: run.data.id, name, annotator_kind: "CODE", start_time: now, end_time: now,
            result: { score: 1, label: null, explanation: null }, error: null, metadata: {}, trace_id: null,
          });
        });
      }
      wake();
    });
    // Workers take the next request; an idle worker waits for a run to enqueue its evaluations.
    let inFlight = 0;
    let waiting: (() => void)[] = [];
    const wake = () => {
      const woken = waiting;
      waiting = [];
      for (const resolve of woken) resolve();
    };
    const worker = async () => {
      for (;;) {
        const next = queue.shift();
        if (next) {
          inFlight++;
          await next();
          inFlight--;
          if (queue.length === 0 && inFlight === 0) wake();
        } else if (inFlight === 0) {
          return;
        } else {
          await new Promise<void>((resolve) => waiting.push(resolve));
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { experimentId, wallMs: performance.now() - started };
  } finally {
    await pool.close();
  }
}
