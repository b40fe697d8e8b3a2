import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendExamples, appendExperimentRuns, createClient, createDataset, createExperiment, listDatasetExamples } from "@arizeai/ax-client";
import pLimit from "p-limit";
import { startFakeArize, type FakeArize, type FaultOptions } from "../../test/support/fake-arize/index.js";
import { count, ms } from "../lib/format.js";
import { loadProduct } from "../lib/peers.js";
import type { Mode, WorkloadReport } from "../lib/report.js";
import { median, repeat } from "../lib/stats.js";
import type { WorkloadContext } from "./context.js";

const RUNS = 2_000;
const CONCURRENCY = 10;
const LATENCY_MS = 2;
const KEY = "bench-ax-key-0000";
const items = Array.from({ length: RUNS }, (_, i) => ({ id: `ex${i}`, input: { n: i }, expected: { n: i } }));

interface Sample {
  wallMs: number;
  /** The official client's path: the part after the runs (its upload). */
  uploadMs?: number;
  runs: number;
  distinctRuns: number;
  evalColumns: number;
  requests: number;
  failed: boolean;
}

function landed(server: FakeArize, wallMs: number, failed: boolean): Sample {
  const runs = server.state.runs.map((r) => r.row);
  const keys = runs.map((r) => String(r.vitest_experiments_run_id ?? r.example_id));
  return {
    wallMs,
    runs: runs.length,
    distinctRuns: new Set(keys).size,
    evalColumns: runs.reduce((n, r) => n + Object.keys(r).filter((k) => k.startsWith("eval.")).length, 0),
    requests: server.state.requests.length,
    failed,
  };
}

/**
 * W6: 2,000 runs × 3 code evaluations recorded on the fake Arize AX server (2 ms before every
 * answer): the product's `runExperiment({ arize })`, which streams batches while the runs execute,
 * against the seeds' "log an experiment" path done with the official `@arizeai/ax-client` (run
 * everything with a p-limit loop, then create the dataset, map its example ids, create the
 * experiment with 1,000 runs and append the rest). Once with no faults, once with 10% of requests
 * answered 503 (the official client does not retry).
 */
export async function runW6(mode: Mode, context: WorkloadContext): Promise<WorkloadReport> {
  const repetitions = mode === "quick" ? 1 : 3;
  const product = await loadProduct();
  const faulty: FaultOptions = { seed: 6, unavailableRate: 0.1, retryAfterSeconds: 0, latencyMs: LATENCY_MS };
  const clean: FaultOptions = { latencyMs: LATENCY_MS };

  const ours = async (faults: FaultOptions, upload = true): Promise<Sample> => {
    const server = await startFakeArize({ apiKey: KEY, faults });
    const root = mkdtempSync(join(tmpdir(), "bench-w6-"));
    const started = performance.now();
    await product.runExperiment({
      experimentName: "w6",
      dataset: { name: "w6", examples: items },
      task: ({ input }: { input: { n: number } }) => ({ n: input.n }),
      evaluators: {
        same_n: ({ output, expected }: any) => output.n === expected.n,
        non_negative: ({ output }: any) => output.n >= 0,
        even: ({ output }: any) => output.n % 2 === 0,
      },
      concurrency: CONCURRENCY,
      printSummary: false,
      root,
      phoenix: false,
      arize: upload ? { apiKey: KEY, space: server.spaceId, baseUrl: server.url } : false,
    });
    const sample = landed(server, performance.now() - started, false);
    context.log(`  W6 vitest-experiments${upload ? "" : " without upload"}${faults.unavailableRate ? " (503s)" : ""}: ${Math.round(sample.wallMs)} ms`);
    await server.close();
    rmSync(root, { recursive: true, force: true });
    return sample;
  };

  const peer = async (faults: FaultOptions): Promise<Sample> => {
    const server = await startFakeArize({ apiKey: KEY, faults });
    const client = createClient({ apiKey: KEY, baseUrl: server.url });
    const started = performance.now();
    let failed = false;
    let uploadStarted = started;
    const warn = console.warn;
    console.warn = () => {};
    try {
      const limit = pLimit(CONCURRENCY);
      const results = await Promise.all(
        items.map((item) =>
          limit(async () => {
            const output = { n: item.input.n };
            return { item, output, scores: { same_n: Number(output.n === item.expected.n), non_negative: Number(output.n >= 0), even: Number(output.n % 2 === 0) } };
          }),
        ),
      );
      uploadStarted = performance.now();
      const dataset = await createDataset({ client, space: server.spaceId, name: "w6", examples: items.slice(0, 1000).map((i) => ({ key: i.id, input: JSON.stringify(i.input) })) });
      // Built the way the product builds it: created with 1,000 examples, the rest appended.
      for (let i = 1000; i < items.length; i += 1000) {
        await appendExamples({ client, dataset: dataset.id, examples: items.slice(i, i + 1000).map((x) => ({ key: x.id, input: JSON.stringify(x.input) })) });
      }
      const idOf = new Map<string, string>();
      let cursor: string | undefined;
      do {
        const page = await listDatasetExamples({ client, dataset: dataset.id, limit: 500, ...(cursor ? { cursor } : {}) });
        for (const e of page.data) idOf.set(String(e.key), e.id);
        cursor = page.pagination.nextCursor ?? undefined;
      } while (cursor);
      const rows = results.map(({ item, output, scores }) => ({
        exampleId: idOf.get(item.id)!,
        output: JSON.stringify(output),
        vitest_experiments_run_id: item.id,
        ...Object.fromEntries(Object.entries(scores).map(([name, score]) => [`eval.${name}.score`, score])),
      }));
      const experiment = await createExperiment({ client, experimentName: "w6", dataset: dataset.id, experimentRuns: rows.slice(0, 1000) });
      for (let i = 1000; i < rows.length; i += 1000) await appendExperimentRuns({ client, experiment: experiment.id, experimentRuns: rows.slice(i, i + 1000) });
    } catch {
      failed = true;
    } finally {
      console.warn = warn;
    }
    const sample = { ...landed(server, performance.now() - started, failed), uploadMs: performance.now() - uploadStarted };
    context.log(`  W6 @arizeai/ax-client${faults.unavailableRate ? " (503s)" : ""}: ${Math.round(sample.wallMs)} ms${failed ? " (failed)" : ""}`);
    await server.close();
    return sample;
  };

  // Warm-up: the first runExperiment() of the process pays for loading and compiling.
  await ours(clean, false);
  const samples = await repeat(repetitions, async () => ({
    base: await ours(clean, false),
    ours: await ours(clean),
    peer: await peer(clean),
    oursFaulty: await ours(faulty),
    peerFaulty: await peer(faulty),
  }));
  const pick = (f: (s: (typeof samples)[number]) => Sample) => samples.map(f);
  const med = (all: Sample[]): Sample => ({
    wallMs: median(all.map((x) => x.wallMs)),
    runs: Math.max(...all.map((x) => x.runs)),
    distinctRuns: Math.min(...all.map((x) => x.distinctRuns)),
    evalColumns: Math.min(...all.map((x) => x.evalColumns)),
    requests: median(all.map((x) => x.requests)),
    failed: all.some((x) => x.failed),
  });
  const o = med(pick((s) => s.ours));
  const p = med(pick((s) => s.peer));
  const of = med(pick((s) => s.oursFaulty));
  const pf = med(pick((s) => s.peerFaulty));
  // The product's engine costs the same with or without an upload (W3 measures it): the upload's
  // cost is what it adds to runExperiment(), set against the official client's upload time.
  const added = median(samples.map((s) => s.ours.wallMs - s.base.wallMs));
  const peerUpload = median(samples.map((s) => s.peer.uploadMs ?? s.peer.wallMs));
  const row = (label: string, x: Sample) => [label, ms(x.wallMs), count(x.requests), `${count(x.distinctRuns)} / ${count(RUNS)}`, count(x.runs - x.distinctRuns), `${count(x.evalColumns)} / ${count(RUNS * 3)}`, x.failed ? "yes" : "no"];
  const oursLoss = RUNS - Math.min(o.distinctRuns, of.distinctRuns) + Math.max(o.runs - o.distinctRuns, of.runs - of.distinctRuns);
  return {
    id: "W6",
    title: "upload to Arize AX",
    parameters: `${count(RUNS)} runs × 3 code evaluations of a trivial task, task concurrency ${CONCURRENCY}, on the fake Arize AX server (test/support/fake-arize, in this process) with ${LATENCY_MS} ms before every answer; then the same with 10% of requests answered 503`,
    repetitions,
    tables: [
      {
        header: ["uploader", "time", "requests", "runs stored", "duplicated", "eval columns stored", "failed"],
        rows: [
          row("vitest-experiments runExperiment({ arize })", o),
          row("@arizeai/ax-client, after the runs", p),
          row("vitest-experiments, 10% 503s", of),
          row("@arizeai/ax-client, 10% 503s", pf),
        ],
      },
      {
        header: ["figure", "value"],
        rows: [
          ["runExperiment() without upload", ms(median(samples.map((s) => s.base.wallMs)))],
          ["time the AX upload adds to runExperiment()", ms(added)],
          ["@arizeai/ax-client upload time (after the runs)", ms(peerUpload)],

        ],
      },
    ],
    targets: [
      { what: "time the product's streaming upload adds to runExperiment() (no faults)", observed: ms(added), bar: `≤ the official client's upload after the runs (${ms(peerUpload)})`, met: added <= peerUpload },
      { what: "runs lost or duplicated by vitest-experiments (with and without 503s)", observed: count(oursLoss), bar: "0", met: oursLoss === 0 },
    ],
    notes: [
      "Times run from the start of the experiment to the last run stored on the server. The official client's path runs the task and evaluators in a bare p-limit loop first and uploads after (it has no streaming), with the same batch sizes AX allows; the product's engine (store, summary, gates) costs the same with or without an upload and is set apart by running it once without one.",
      "The official client makes one attempt per call: with 503s its upload fails part-way and what was not sent is lost unless the caller retries. The product retries with backoff and checks what landed before resending.",
      "The fake server runs in this process, so its request handling competes with both uploaders equally.",
      "On a loaded machine the difference of two runExperiment() times is noisy (it can come out negative); use the full mode's three repetitions before reading much into it.",
    ],
    figures: { oursMs: o.wallMs, peerMs: p.wallMs, addedMs: added, peerUploadMs: peerUpload, oursFaultyMs: of.wallMs, peerFaultyStored: pf.distinctRuns, oursLoss },
  };
}
