import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startFakePhoenix, type FakePhoenix } from "../../support/fake-phoenix/index.js";
import { postgresMissing, realPhoenixMissing, startRealPhoenix, type RealPhoenix } from "../../support/real-phoenix.js";

/**
 * The fake Phoenix server against the real one: each scenario runs the same requests on both
 * (fresh servers, same order) and what they answer must be the same. Every scenario is a place
 * where the fake once differed from Phoenix 20.26.1.
 */

interface Answer {
  status: number;
  /** Phoenix's version header, or null when the answer lacks it. */
  version: string | null;
  type: string;
  body: unknown;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(base + path, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!;
  return { status: response.status, version: response.headers.get("x-phoenix-server-version"), type, body: type === "application/json" && text ? JSON.parse(text) : type === "text/html" ? "(html page)" : text };
}

const now = () => new Date().toISOString();

/** Each returns what a server answered, with nothing that differs between two equal servers (times, random names). */
const scenarios: Record<string, (base: string) => Promise<unknown>> = {
  "the version, on every answer and at /arize_phoenix_version": async (base) => {
    const version = await call(base, "GET", "/arize_phoenix_version");
    return { version, datasets: (await call(base, "GET", "/v1/datasets")).version };
  },

  "an unknown GET path is the web app (200 HTML), an unknown POST 405": async (base) => [
    await call(base, "GET", "/v1/experiments/RXhwZXJpbWVudDox/nothing"),
    await call(base, "POST", "/v1/nothing", {}),
  ],

  "a run posted to a deleted experiment is a 500 without the version header; its runs list is an empty 200; /json of an experiment without runs is a 404": async (base) => {
    const upload = (await call(base, "POST", "/v1/datasets/upload?sync=true", { name: "deleted", inputs: [{ q: 1 }], example_ids: ["a"] })).body as { data: { dataset_id: string; version_id: string } };
    const experiment = (await call(base, "POST", `/v1/datasets/${upload.data.dataset_id}/experiments`, { name: "gone" })).body as { data: { id: string } };
    const json = await call(base, "GET", `/v1/experiments/${experiment.data.id}/json`);
    const examples = (await call(base, "GET", `/v1/datasets/${upload.data.dataset_id}/examples`)).body as { data: { examples: { node_id: string }[] } };
    await call(base, "DELETE", `/v1/experiments/${experiment.data.id}`);
    const run = await call(base, "POST", `/v1/experiments/${experiment.data.id}/runs`, {
      dataset_example_id: examples.data.examples[0]!.node_id, output: 1, repetition_number: 1, start_time: now(), end_time: now(), error: null,
    });
    return { json, run, runs: await call(base, "GET", `/v1/experiments/${experiment.data.id}/runs`) };
  },

  "splits: kept when the column is omitted, replaced when sent, global by name; unknown names are 404s": async (base) => {
    const body = (splits?: (string | null)[]) => ({ name: "splitted", action: "update", inputs: [{ q: 1 }, { q: 2 }], example_ids: ["a", "b"], ...(splits ? { splits } : {}) });
    const ids = async (datasetId: string, split: string) => {
      const answer = await call(base, "GET", `/v1/datasets/${datasetId}/examples?split=${split}`);
      const data = (answer.body as { data?: { examples: { id: string }[]; filtered_splits: string[] } }).data;
      return data ? { ids: data.examples.map((e) => e.id), filtered: data.filtered_splits } : answer;
    };
    const first = (await call(base, "POST", "/v1/datasets/upload?sync=true", body(["test", " train "]))).body as { data: { dataset_id: string } };
    const id = first.data.dataset_id;
    const afterFirst = await ids(id, "test");
    await call(base, "POST", "/v1/datasets/upload?sync=true", body()); // no splits column
    const omitted = await ids(id, "test");
    await call(base, "POST", "/v1/datasets/upload?sync=true", body([null, null])); // splits removed
    const cleared = { test: await ids(id, "test"), train: await ids(id, "train") };
    const unknown = await call(base, "GET", `/v1/datasets/${id}/examples?split=nope`);
    const noFilter = ((await call(base, "GET", `/v1/datasets/${id}/examples`)).body as { data: { filtered_splits: string[] } }).data.filtered_splits;
    const experiment = await call(base, "POST", `/v1/datasets/${id}/experiments`, { splits: ["nope"] });
    const versions = ((await call(base, "GET", `/v1/datasets/${id}/versions`)).body as { data: unknown[] }).data.length;
    return { afterFirst, omitted, cleared, unknown, noFilter, experiment, versions };
  },

  "an experiment without a name, or with an empty one, is named after its dataset": async (base) => {
    const upload = (await call(base, "POST", "/v1/datasets/upload?sync=true", { name: "my named set", inputs: [{ q: 1 }] })).body as { data: { dataset_id: string } };
    const names = [];
    for (const body of [{}, { name: "" }, { name: "given" }]) {
      const created = (await call(base, "POST", `/v1/datasets/${upload.data.dataset_id}/experiments`, body)).body as { data: { name: string } };
      names.push(created.data.name.replace(/[0-9a-f]{8}$/, "<hex>"));
    }
    return names;
  },

  "incomplete-evaluations trims and deduplicates the names asked about; names are stored as sent": async (base) => {
    const upload = (await call(base, "POST", "/v1/datasets/upload?sync=true", { name: "evaluated", inputs: [{ q: 1 }] })).body as { data: { dataset_id: string } };
    const experiment = (await call(base, "POST", `/v1/datasets/${upload.data.dataset_id}/experiments`, { name: "e" })).body as { data: { id: string } };
    const examples = (await call(base, "GET", `/v1/datasets/${upload.data.dataset_id}/examples`)).body as { data: { examples: { node_id: string }[] } };
    const run = (await call(base, "POST", `/v1/experiments/${experiment.data.id}/runs`, {
      dataset_example_id: examples.data.examples[0]!.node_id, output: 1, repetition_number: 1, start_time: now(), end_time: now(), error: null,
    })).body as { data: { id: string } };
    await call(base, "POST", "/v1/experiment_evaluations", { experiment_run_id: run.data.id, name: " spaced ", annotator_kind: "CODE", start_time: now(), end_time: now(), result: { score: 1 }, error: null });
    const incomplete = async (query: string) => ((await call(base, "GET", `/v1/experiments/${experiment.data.id}/incomplete-evaluations?${query}`)).body as { data?: { evaluation_names: string[] }[] }).data?.map((r) => r.evaluation_names);
    const stored = ((await call(base, "GET", `/v1/experiments/${experiment.data.id}/json`)).body as { annotations: { name: string }[] }[])[0]!.annotations.map((a) => a.name);
    return {
      spaced: await incomplete("evaluation_name=%20spaced%20&evaluation_name=spaced&evaluation_name=other"),
      none: await call(base, "GET", `/v1/experiments/${experiment.data.id}/incomplete-evaluations`),
      stored,
    };
  },
};

/** Where SQLite and PostgreSQL differ: NUL characters, and which version an unchanged upload answers. */
const databaseScenarios: Record<string, (base: string) => Promise<unknown>> = {
  "a NUL character in a body": async (base) => {
    const upload = await call(base, "POST", "/v1/datasets/upload?sync=true", { name: "nul", inputs: [{ q: "a\u0000b" }] });
    return { status: upload.status, version: upload.version };
  },
  "an unchanged upload right after two versions": async (base) => {
    const upload = async (ids: string[]) =>
      ((await call(base, "POST", "/v1/datasets/upload?sync=true", { name: "same-second", action: "update", inputs: ids.map((q) => ({ q })), example_ids: ids })).body as { data: { version_id: string } }).data.version_id;
    const first = await upload(["a"]);
    const second = await upload(["a", "b"]);
    const unchanged = await upload(["a", "b"]);
    return unchanged === first ? "the first version" : unchanged === second ? "the newest version" : "another version";
  },
};

for (const database of ["sqlite", "postgres"] as const) {
  describe.skipIf(database === "postgres" ? postgresMissing : realPhoenixMissing).sequential(`the fake Phoenix server answers like the real one (${database})`, () => {
    let real: RealPhoenix;
    let fake: FakePhoenix;
    beforeAll(async () => {
      [real, fake] = await Promise.all([startRealPhoenix({ database }), startFakePhoenix({ database })]);
    });
    afterAll(async () => {
      await Promise.all([real?.close(), fake?.close()]);
    });

    for (const [name, scenario] of Object.entries(database === "sqlite" ? scenarios : {})) {
      test(name, async () => {
        const expected = await scenario(real.url);
        expect(await scenario(fake.url)).toEqual(expected);
        expect(fake.state.violations).toEqual([]);
      });
    }
    for (const [name, scenario] of Object.entries(databaseScenarios)) {
      test(`${name} (${database})`, async () => {
        const expected = await scenario(real.url);
        if (name.startsWith("an unchanged upload") && database === "sqlite" && expected === "the newest version") {
          // The three uploads straddled a second boundary on the real server: nothing to compare.
          return;
        }
        expect(await scenario(fake.url)).toEqual(expected);
      });
    }
  });
}
