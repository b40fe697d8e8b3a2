import { afterEach, describe, expect, it } from "vitest";
import { startFakePhoenix, type FakePhoenix } from "../../support/fake-phoenix/index.js";
import { toGlobalId } from "../../../src/phoenix/ids.js";

let server: FakePhoenix | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server!.url}${path}`, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const type = response.headers.get("content-type") ?? "";
  return { status: response.status, headers: response.headers, type, body: type.startsWith("application/json") ? JSON.parse(text) : text };
}

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T00:00:01.000Z";

async function seedExperiment(repetitions = 1) {
  const upload = await call("POST", "/v1/datasets/upload?sync=true", {
    name: "qa",
    inputs: [{ q: "a" }, { q: "b" }, { q: "c" }],
    outputs: [{ a: 1 }, { a: 2 }, { a: 3 }],
    example_ids: ["a", "b", "c"],
  });
  const { dataset_id, version_id } = upload.body.data;
  const examples = (await call("GET", `/v1/datasets/${dataset_id}/examples`)).body.data.examples;
  const experiment = (await call("POST", `/v1/datasets/${dataset_id}/experiments`, { name: "e", version_id, repetitions })).body.data;
  return { datasetId: dataset_id as string, versionId: version_id as string, examples, experiment };
}

describe("fake Phoenix server", () => {
  it("answers with Phoenix's version header, GlobalIDs and 200 on create", async () => {
    server = await startFakePhoenix();
    const version = await call("GET", "/arize_phoenix_version");
    expect(version.body).toBe("20.26.1");
    expect(version.headers.get("x-phoenix-server-version")).toBe("20.26.1");
    const { datasetId, examples, experiment } = await seedExperiment();
    expect(datasetId).toBe("RGF0YXNldDox");
    expect(examples.map((e: { id: string }) => e.id)).toEqual(["a", "b", "c"]);
    expect(examples[0].node_id).toBe(toGlobalId("DatasetExample", 1));
    expect(experiment.id).toBe("RXhwZXJpbWVudDox");
    expect(experiment).toMatchObject({ example_count: 3, missing_run_count: 3, repetitions: 1 });
    expect(server.state.violations).toEqual([]);
  });

  it("accepts a body that follows the contract and records one that does not as a violation (422 JSON)", async () => {
    server = await startFakePhoenix();
    const { experiment, examples } = await seedExperiment();
    const good = await call("POST", `/v1/experiments/${experiment.id}/runs`, {
      dataset_example_id: examples[0].node_id, output: { text: "x" }, repetition_number: 1, start_time: T0, end_time: T1,
    });
    expect(good.status).toBe(200);
    expect(server.state.violations).toEqual([]);
    const bad = await call("POST", `/v1/experiments/${experiment.id}/runs`, {
      dataset_example_id: examples[0].node_id, repetition_number: 0, start_time: "yesterday", end_time: T1,
    });
    expect(bad.status).toBe(422);
    expect(bad.type).toMatch(/application\/json/);
    expect(server.state.violations).toHaveLength(1);
    expect(server.state.violations[0]!.errors.join("\n")).toMatch(/output/);
    expect(server.state.violations[0]!.errors.join("\n")).toMatch(/repetition_number/);
  });

  it("answers 409 (text/plain) to a duplicate successful run and upserts a failed one with the same id", async () => {
    server = await startFakePhoenix();
    const { experiment, examples } = await seedExperiment();
    const run = { dataset_example_id: examples[0].node_id, output: null, repetition_number: 1, start_time: T0, end_time: T1, error: "boom" };
    const first = await call("POST", `/v1/experiments/${experiment.id}/runs`, run);
    const retried = await call("POST", `/v1/experiments/${experiment.id}/runs`, { ...run, error: null, output: "ok" });
    expect(retried.body.data.id).toBe(first.body.data.id);
    const duplicate = await call("POST", `/v1/experiments/${experiment.id}/runs`, { ...run, error: null, output: "again" });
    expect(duplicate.status).toBe(409);
    expect(duplicate.type).toMatch(/text\/plain/);
    expect(duplicate.body).toMatch(/already exists with a successful result/);
    expect(server.state.runsOf(experiment.id)).toHaveLength(1);
    expect(server.state.runsOf(experiment.id)[0]!.output).toBe("ok");
  });

  it("upserts evaluations by (run, name), merges metadata nested in result under top-level metadata and drops other result keys", async () => {
    server = await startFakePhoenix();
    const { experiment, examples } = await seedExperiment();
    const runId = (await call("POST", `/v1/experiments/${experiment.id}/runs`, {
      dataset_example_id: examples[0].node_id, output: 1, repetition_number: 1, start_time: T0, end_time: T1,
    })).body.data.id;
    const evaluation = { experiment_run_id: runId, name: "exact", annotator_kind: "CODE", start_time: T0, end_time: T1 };
    const a = await call("POST", "/v1/experiment_evaluations", {
      ...evaluation, result: { score: 0, extra: "dropped", metadata: { nested: true, kept: 0 } }, metadata: { kept: 1 },
    });
    const merged = server.state.evaluationsOf(experiment.id);
    expect(merged[0]!.result).toEqual({ score: 0, label: null, explanation: null });
    expect(merged[0]!.metadata).toEqual({ nested: true, kept: 1 });
    const b = await call("POST", "/v1/experiment_evaluations", { ...evaluation, result: { score: 1 } });
    expect(b.body.data.id).toBe(a.body.data.id);
    const rows = server.state.evaluationsOf(experiment.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.result).toEqual({ score: 1, label: null, explanation: null });
    const neither = await call("POST", "/v1/experiment_evaluations", { ...evaluation, result: null, error: null });
    expect(neither.status).toBe(422);
  });

  it("paginates newest first with limit+1 cursors", async () => {
    server = await startFakePhoenix();
    const { experiment, examples } = await seedExperiment(2);
    for (const example of examples) {
      for (const rep of [1, 2]) {
        await call("POST", `/v1/experiments/${experiment.id}/runs`, {
          dataset_example_id: example.node_id, output: rep, repetition_number: rep, start_time: T0, end_time: T1,
        });
      }
    }
    const all = await call("GET", `/v1/experiments/${experiment.id}/runs`);
    expect(all.body.data).toHaveLength(6);
    expect(all.body.next_cursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; next_cursor: string | null } } = await call(
        "GET", `/v1/experiments/${experiment.id}/runs?limit=4${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.body.data.map((r) => r.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.body.data.map((r: { id: string }) => r.id));
    expect(seen[0]).toBe(toGlobalId("ExperimentRun", 6));
    expect((await call("GET", `/v1/experiments/${experiment.id}/runs?cursor=nope`)).status).toBe(422);
  });

  it("versions a dataset by content: no change keeps the version, update creates, patches and deletes", async () => {
    server = await startFakePhoenix();
    const { datasetId, versionId } = await seedExperiment();
    const same = await call("POST", "/v1/datasets/upload?sync=true", {
      name: "qa", action: "update", inputs: [{ q: "a" }, { q: "b" }, { q: "c" }], outputs: [{ a: 1 }, { a: 2 }, { a: 3 }], example_ids: ["a", "b", "c"],
    });
    expect(same.body.data.version_id).toBe(versionId);
    const changed = await call("POST", "/v1/datasets/upload?sync=true", {
      name: "qa", action: "update", inputs: [{ q: "a" }, { q: "B" }, { q: "d" }], outputs: [{ a: 1 }, { a: 2 }, { a: 4 }], example_ids: ["a", "b", "d"],
    });
    expect(changed.body.data).toMatchObject({ num_created_examples: 1, num_updated_examples: 1, num_deleted_examples: 1 });
    expect(changed.body.data.version_id).not.toBe(versionId);
    const latest = (await call("GET", `/v1/datasets/${datasetId}/examples`)).body.data.examples;
    expect(latest.map((e: { id: string }) => e.id)).toEqual(["a", "b", "d"]);
    const old = (await call("GET", `/v1/datasets/${datasetId}/examples?version_id=${versionId}`)).body.data.examples;
    expect(old.map((e: { input: unknown }) => e.input)).toEqual([{ q: "a" }, { q: "b" }, { q: "c" }]);
    const versions = (await call("GET", `/v1/datasets/${datasetId}/versions`)).body.data;
    expect(versions).toHaveLength(2);
    const conflict = await call("POST", "/v1/datasets/upload?sync=true", { name: "qa", inputs: [{}] });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toBe('A dataset named "qa" already exists.');
  });

  it("reports incomplete runs and evaluations", async () => {
    server = await startFakePhoenix();
    const { experiment, examples } = await seedExperiment(2);
    const runId = (await call("POST", `/v1/experiments/${experiment.id}/runs`, {
      dataset_example_id: examples[0].node_id, output: 1, repetition_number: 1, start_time: T0, end_time: T1,
    })).body.data.id;
    const incomplete = (await call("GET", `/v1/experiments/${experiment.id}/incomplete-runs`)).body.data;
    expect(incomplete.map((e: { repetition_numbers: number[] }) => e.repetition_numbers)).toEqual([[1, 2], [1, 2], [2]]);
    expect((await call("GET", `/v1/experiments/${experiment.id}/incomplete-evaluations`)).status).toBe(400);
    const evals = (await call("GET", `/v1/experiments/${experiment.id}/incomplete-evaluations?evaluation_name=a&evaluation_name=b`)).body.data;
    expect(evals).toHaveLength(1);
    expect(evals[0].experiment_run.id).toBe(runId);
    expect(evals[0].evaluation_names).toEqual(["a", "b"]);
  });

  it("requires the API key when auth is on: 401 text/plain with WWW-Authenticate", async () => {
    server = await startFakePhoenix({ apiKey: "sekret" });
    const denied = await call("GET", "/v1/datasets");
    expect(denied.status).toBe(401);
    expect(denied.body).toBe("Invalid token");
    expect(denied.headers.get("www-authenticate")).toMatch(/^Bearer realm="Arize Phoenix"/);
    expect((await call("GET", "/v1/datasets", undefined, { authorization: "bearer sekret" })).status).toBe(200);
  });

  it("injects the same faults for the same seed", async () => {
    const statuses = async () => {
      server = await startFakePhoenix({ faults: { seed: 7, unavailableRate: 0.3, rateLimitRate: 0.2, retryAfterSeconds: 2 } });
      const out: number[] = [];
      for (let i = 0; i < 30; i++) out.push((await call("GET", "/v1/datasets")).status);
      const retryAfter = (await (async () => { server!.failNext("rate-limited"); return call("GET", "/v1/datasets"); })()).headers.get("retry-after");
      await server.close();
      return { out, retryAfter };
    };
    const first = await statuses();
    const second = await statuses();
    expect(first).toEqual(second);
    expect(first.out).toContain(503);
    expect(first.out).toContain(429);
    expect(first.out).toContain(200);
    expect(first.retryAfter).toBe("2");
  });

  it("resets connections before or after processing, and refuses connections while down", async () => {
    server = await startFakePhoenix();
    const { experiment, examples } = await seedExperiment();
    server.failNext("reset-after");
    await expect(call("POST", `/v1/experiments/${experiment.id}/runs`, {
      dataset_example_id: examples[0].node_id, output: 1, repetition_number: 1, start_time: T0, end_time: T1,
    })).rejects.toThrow();
    expect(server.state.runsOf(experiment.id)).toHaveLength(1); // processed, answer lost
    server.failNext("reset-before");
    await expect(call("GET", "/v1/datasets")).rejects.toThrow();
    await server.down();
    await expect(call("GET", "/healthz")).rejects.toThrow();
    await server.up();
    expect((await call("GET", "/healthz")).status).toBe(200);
  });
});

describe("fake Phoenix server where it once differed from Phoenix 20.26.1 (side by side with the real one: test/e2e/real-phoenix/fake-parity.test.ts)", () => {
  it("serves the web app for an unknown GET and 405 for other unknown requests; its 500s lack the version header", async () => {
    server = await startFakePhoenix();
    const page = await call("GET", "/v1/nothing");
    expect([page.status, page.type, page.headers.get("x-phoenix-server-version")]).toEqual([200, "text/html; charset=utf-8", "20.26.1"]);
    expect((await call("POST", "/v1/nothing", {})).status).toBe(405);
    const { experiment, examples } = await seedExperiment();
    await call("DELETE", `/v1/experiments/${experiment.id}`);
    const orphan = await call("POST", `/v1/experiments/${experiment.id}/runs`, { dataset_example_id: examples[0].node_id, output: 1, repetition_number: 1, start_time: T0, end_time: T1 });
    expect([orphan.status, orphan.headers.get("x-phoenix-server-version")]).toEqual([500, null]);
  });

  it("keeps split assignments when an upload omits the column, replaces them when it sends one, without a new version; splits are global by name", async () => {
    server = await startFakePhoenix();
    const upload = (splits?: (string | null)[]) => call("POST", "/v1/datasets/upload?sync=true", { name: "s", action: "update", inputs: [{ q: 1 }, { q: 2 }], example_ids: ["a", "b"], ...(splits ? { splits } : {}) });
    const { dataset_id, version_id } = (await upload(["test", null])).body.data;
    const inTest = async () => (await call("GET", `/v1/datasets/${dataset_id}/examples?split=test`)).body.data.examples.map((e: { id: string }) => e.id);
    expect((await upload()).body.data.version_id).toBe(version_id);
    expect(await inTest()).toEqual(["a"]);
    expect((await upload([null, null])).body.data.version_id).toBe(version_id);
    expect(await inTest()).toEqual([]);
    expect((await call("GET", `/v1/datasets/${dataset_id}/examples?split=nope`)).body).toBe("Dataset splits not found: nope");
    expect((await call("POST", `/v1/datasets/${dataset_id}/experiments`, { splits: ["nope"] })).status).toBe(404);
  });

  it("names an experiment created with an empty name; trims, deduplicates and sorts incomplete-evaluation names", async () => {
    server = await startFakePhoenix();
    const { datasetId, experiment, examples } = await seedExperiment();
    expect((await call("POST", `/v1/datasets/${datasetId}/experiments`, { name: "" })).body.data.name).toMatch(/^qa-[0-9a-f]{8}$/);
    const run = (await call("POST", `/v1/experiments/${experiment.id}/runs`, { dataset_example_id: examples[0].node_id, output: 1, repetition_number: 1, start_time: T0, end_time: T1 })).body.data;
    await call("POST", "/v1/experiment_evaluations", { experiment_run_id: run.id, name: " spaced ", annotator_kind: "CODE", start_time: T0, end_time: T1, result: { score: 1 } });
    const incomplete = await call("GET", `/v1/experiments/${experiment.id}/incomplete-evaluations?evaluation_name=%20spaced%20&evaluation_name=spaced&evaluation_name=other`);
    expect(incomplete.body.data.map((r: { evaluation_names: string[] }) => r.evaluation_names)).toEqual([["other", "spaced"]]);
  });

  it("refuses NUL characters with a 500 as PostgreSQL-backed Phoenix does, keeps them as SQLite-backed Phoenix does", async () => {
    server = await startFakePhoenix();
    expect((await call("POST", "/v1/datasets/upload?sync=true", { name: "nul", inputs: [{ q: "a\u0000" }] })).status).toBe(500);
    expect((await call("POST", "/v1/datasets/upload?sync=true", { name: "nul", inputs: [{ q: "a\\u0000" }] })).status).toBe(200);
    await server.close();
    server = await startFakePhoenix({ database: "sqlite" });
    expect((await call("POST", "/v1/datasets/upload?sync=true", { name: "nul", inputs: [{ q: "a\u0000" }] })).status).toBe(200);
  });

  it("answers an unchanged upload with the first version made in the newest second on SQLite, the newest on PostgreSQL", async () => {
    for (const database of ["sqlite", "postgres"] as const) {
      server = await startFakePhoenix({ database });
      const upload = async (ids: string[]) => (await call("POST", "/v1/datasets/upload?sync=true", { name: "tie", action: "update", inputs: ids.map((q) => ({ q })), example_ids: ids })).body.data.version_id;
      const first = await upload(["a"]);
      const second = await upload(["a", "b"]);
      expect(await upload(["a", "b"])).toBe(database === "sqlite" ? first : second);
      await server.close();
      server = undefined;
    }
  });
});
