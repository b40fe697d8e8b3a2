import { createServer, request as httpRequest, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { PhoenixClient, PhoenixError, uploadPending } from "../../../src/phoenix/index.js";
import { MINIMUM_PHOENIX_VERSION } from "../../../src/phoenix/server-version.js";
import { runExperiment } from "../../../src/programmatic/run-experiment.js";
import { openStore } from "../../../src/store/index.js";
import { postgresMissing, realPhoenixMissing, startRealPhoenix, type RealPhoenix } from "../../support/real-phoenix.js";
import { PhoenixRest } from "./read-back.js";

/**
 * What reading Phoenix's source predicted, checked against the real server on both of its
 * databases (several differ between SQLite and PostgreSQL), with the product's answer to each.
 */

/** An HTTP proxy in front of Phoenix that answers some requests itself, the way nginx or an auth proxy would. */
async function proxyTo(target: string, refuse: (method: string, path: string, bodyBytes: number) => { status: number; headers?: Record<string, string>; body: string } | undefined) {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const refusal = refuse(req.method!, req.url!.split("?")[0]!, body.length);
      if (refusal) {
        res.writeHead(refusal.status, { "content-type": "text/html", ...refusal.headers });
        res.end(refusal.body);
        return;
      }
      const forwarded = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.on("error", () => res.destroy());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const NGINX_413 = { status: 413, headers: { server: "nginx/1.25.3" }, body: "<html><head><title>413 Request Entity Too Large</title></head></html>" };

for (const database of ["sqlite", "postgres"] as const) {
  const missing = database === "postgres" ? postgresMissing : realPhoenixMissing;
  describe.skipIf(missing).sequential(`findings from Phoenix's source, on the real server with ${database}`, () => {
    let phoenix: RealPhoenix;
    let rest: PhoenixRest;
    let dir: string;
    const warnings: string[] = [];
    beforeAll(async () => {
      phoenix = await startRealPhoenix({ database });
      rest = new PhoenixRest(phoenix.url);
      dir = await mkdtemp(join(tmpdir(), `real-phoenix-findings-${database}-`));
      vi.spyOn(console, "log").mockImplementation(() => {});
      vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void warnings.push(args.join(" ")));
    });
    afterAll(async () => {
      vi.restoreAllMocks();
      await phoenix?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const examples = (ids: string[], extra: (id: string) => Record<string, unknown> = () => ({})) => ids.map((id) => ({ id, input: { q: id }, output: id, ...extra(id) }));
    const echo = ({ input }: { input: { q: string } }) => input.q;

    test("1. the server's version is read once from its answers and checked against the minimum", async () => {
      const client = new PhoenixClient({ host: phoenix.url, headers: {} });
      try {
        expect(await client.serverVersion()).toBe("20.26.1");
        await client.requireServerVersion(MINIMUM_PHOENIX_VERSION, "uploads");
        const strict = new PhoenixClient({ host: phoenix.url, headers: {} });
        await strict.findDatasetByName("anything"); // the version now comes from this answer's header
        const refused = await strict.requireServerVersion("99.0.0", "a feature from the future").then(() => undefined, (error: unknown) => error);
        await strict.close();
        expect(refused).toBeInstanceOf(PhoenixError);
        expect((refused as PhoenixError).message).toBe(
          `Phoenix at ${phoenix.url} is version 20.26.1; vitest-experiments needs Phoenix 99.0.0 or newer (it a feature from the future). Upgrade Phoenix, or set VITEST_EXPERIMENTS_UPLOAD=false to run without uploading.`,
        );
      } finally {
        await client.close();
      }
    });

    test("2. versions made in one second and parallel uploads to one dataset: each experiment holds exactly its examples", async () => {
      const run = (name: string, ids: string[]) =>
        runExperiment({ experimentName: name, dataset: { name: "same-second", examples: examples(ids) }, task: echo, storeDir: false, phoenix: { host: phoenix.url } });
      // {a,b} then {a,b,c} then {a,b,c} unchanged: on SQLite the unchanged upload's answer, the
      // newest version by a timestamp kept to the second, may be the {a,b} one.
      const first = await run("ab", ["a", "b"]);
      const second = await run("abc", ["a", "b", "c"]);
      const third = await run("abc-again", ["a", "b", "c"]);
      expect(third.datasetVersionId).toBe(second.datasetVersionId);
      expect(first.datasetVersionId).not.toBe(second.datasetVersionId);
      // Parallel runs with different example sets on one dataset name.
      const parallel = await Promise.all([run("p-ab", ["a", "b"]), run("p-abcd", ["a", "b", "c", "d"]), run("p-bc", ["b", "c"])]);
      for (const ran of [first, second, third, ...parallel]) {
        const held = await rest.experiment(ran.experimentId);
        const ids = (await rest.examples(held.dataset_id, held.dataset_version_id)).map((e) => e.id).sort();
        expect(ids, ran.result.experiment.name).toEqual(ran.taskRuns.map((r) => r.exampleId).sort());
        expect(held.missing_run_count).toBe(0);
      }
    });

    test("3. a proxy's 413 (body over nginx's 1 MiB default) is reported with its status and who answered, and the upload is kept", async () => {
      const proxy = await proxyTo(phoenix.url, (method, _path, bytes) => (method === "POST" && bytes > 1024 * 1024 ? NGINX_413 : undefined));
      try {
        const big = examples(Array.from({ length: 300 }, (_, i) => `big-${i}`), () => ({ metadata: { padding: "x".repeat(4096) } }));
        const storeDir = join(dir, "store-413");
        warnings.length = 0;
        const ran = await runExperiment({ experimentName: "too-big", dataset: { name: "big", examples: big }, task: echo, storeDir, phoenix: { host: proxy.url } });
        expect(ran.phoenix).toBeUndefined();
        const warning = warnings.find((w) => w.includes("too-big"))!;
        expect(warning).toContain("POST /v1/datasets/upload was answered 413 by nginx/1.25.3");
        expect(warning).toContain("client_max_body_size is 1 MiB");
        expect(warning).not.toContain("does not look like a Phoenix server");
        // Straight to Phoenix (the proxy's limit raised), the kept upload completes.
        const client = new PhoenixClient({ host: phoenix.url, headers: {} });
        const [report] = await uploadPending(openStore(storeDir), client);
        await client.close();
        expect(report).toMatchObject({ name: "too-big", status: "uploaded", runsPosted: 300 });
      } finally {
        await proxy.close();
      }
    });

    test("4. a pending upload whose experiment was deleted on the server recreates it instead of failing on every retry", async () => {
      // Phoenix's own behaviour first: posting a run to a deleted experiment is a 500, listing its runs an empty 200.
      const storeDir = join(dir, "store-deleted");
      // Runs refused (permanently) by a proxy: the experiment exists on Phoenix, its runs stay pending.
      const proxy = await proxyTo(phoenix.url, (method, path) =>
        method === "POST" && /\/runs$/.test(path) ? { status: 400, headers: { "x-phoenix-server-version": "20.26.1" }, body: "refused by the test" } : undefined,
      );
      let experimentId: string;
      try {
        const ran = await runExperiment({ experimentName: "deleted", dataset: { name: "deleted-set", examples: examples(["a", "b"]) }, task: echo, storeDir, phoenix: { host: proxy.url } });
        const dataset = (await rest.dataset("deleted-set"))!;
        experimentId = (await rest.experiments(dataset.id))[0]!.id;
        expect(ran.taskRuns).toHaveLength(2);
      } finally {
        await proxy.close();
      }
      expect((await rest.send("DELETE", `/v1/experiments/${experimentId}`)).status).toBe(204);
      const held = await rest.examples((await rest.dataset("deleted-set"))!.id);
      const orphan = await rest.send("POST", `/v1/experiments/${experimentId}/runs`, {
        dataset_example_id: held[0]!.node_id, output: "a", repetition_number: 1, start_time: new Date().toISOString(), end_time: new Date().toISOString(), error: null,
      });
      expect(orphan.status).toBe(500);
      expect(await rest.get(`/v1/experiments/${experimentId}/runs`)).toEqual({ data: [], next_cursor: null });

      const client = new PhoenixClient({ host: phoenix.url, headers: {} }, { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 } });
      const [report] = await uploadPending(openStore(storeDir), client);
      await client.close();
      expect(report).toMatchObject({ name: "deleted", status: "uploaded", runsPosted: 2 });
      const experiments = await rest.experiments((await rest.dataset("deleted-set"))!.id);
      expect(experiments.map((e) => [e.name, e.successful_run_count, e.missing_run_count])).toEqual([["deleted", 2, 0]]);
      // On SQLite the new experiment may get the deleted one's id back (a deleted newest row's id is reused).
      expect(experiments[0]!.metadata.vitest_experiments_id).toBe(report!.experimentId);
    });

    test("5. NUL characters in outputs, errors, labels, explanations and dataset fields land as U+FFFD", async () => {
      const ran = await runExperiment({
        experimentName: "nul",
        dataset: { name: "nul-set", examples: [{ id: "ok", input: { q: "a\u0000b" }, output: "x" }, { id: "bad", input: { q: "fail" }, output: "y" }] },
        task: ({ input }: { input: { q: string } }) => {
          if (input.q === "fail") throw new Error("broken\u0000here");
          return { text: input.q, "key\u0000": 1 };
        },
        evaluators: { judged: () => ({ score: 1, label: "l\u0000", explanation: "e\u0000" }) },
        retries: 0,
        storeDir: false,
        phoenix: { host: phoenix.url },
      });
      const held = await rest.experiment(ran.experimentId);
      expect(held).toMatchObject({ successful_run_count: 1, failed_run_count: 1, missing_run_count: 0 });
      const runs = await rest.runs(ran.experimentId);
      const ok = runs.find((r) => r.error === null)!;
      expect(ok.output).toEqual({ text: "a\ufffdb", "key\ufffd": 1 });
      expect(ok.annotations.map((a) => [a.label, a.explanation])).toEqual([["l\ufffd", "e\ufffd"]]);
      expect(runs.find((r) => r.error !== null)!.error).toContain("broken\ufffdhere");
      // The local record keeps what the task returned.
      expect(ran.taskRuns.find((r) => r.exampleId === "ok")!.output).toEqual({ text: "a\u0000b", "key\u0000": 1 });
    });

    test("6. evaluator names with surrounding spaces are stored trimmed (as Phoenix reports them); splits removed locally are removed on Phoenix", async () => {
      const ran = await runExperiment({
        experimentName: "spaced",
        dataset: { name: "spaced-set", examples: examples(["a"]) },
        task: echo,
        evaluators: { " spaced ": () => 1 },
        storeDir: false,
        phoenix: { host: phoenix.url },
      });
      const [run] = await rest.runs(ran.experimentId);
      expect(run!.annotations.map((a) => a.name)).toEqual(["spaced"]);
      const client = new PhoenixClient({ host: phoenix.url, headers: {} });
      expect(await client.listIncompleteEvaluations(ran.experimentId, [" spaced "])).toEqual([]);
      await client.close();

      const split = (splits: string[]) => runExperiment({ experimentName: "splits", dataset: { name: "split-set", examples: examples(["a", "b"], () => ({ splits })) }, task: echo, storeDir: false, phoenix: { host: phoenix.url } });
      const before = await split(["stale-split"]);
      expect((await rest.examples(before.datasetId, undefined, ["stale-split"])).map((e) => e.id)).toEqual(["a", "b"]);
      const after = await split([]);
      const stale = await rest.send("GET", `/v1/datasets/${after.datasetId}/examples?split=stale-split`);
      // The split itself is global (it may live on in other datasets); this dataset has no example in it.
      expect(stale.status === 404 || (JSON.parse(stale.text) as { data: { examples: unknown[] } }).data.examples.length === 0, stale.text).toBe(true);
    });
  });
}
