import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@arizeai/phoenix-client";
import { createDataset } from "@arizeai/phoenix-client/datasets";
import { runExperiment as phoenixRunExperiment } from "@arizeai/phoenix-client/experiments";
import { count, ms, ratio } from "../lib/format.js";
import { loadProduct, silentLogger, sleep } from "../lib/peers.js";
import { startPhoenixProcess, type LandedRecords } from "../lib/phoenix-process.js";
import type { Mode, WorkloadReport } from "../lib/report.js";
import { median, repeat } from "../lib/stats.js";
import type { WorkloadContext } from "./context.js";

const RUNS = 2_000;
const EVALUATORS = 3;
const LATENCY_MS = 2;
const CONCURRENCY = 10;

const items = Array.from({ length: RUNS }, (_, i) => ({ id: `ex${i}`, input: { n: i }, expected: { n: i } }));
const evaluatorFns = {
  same_n: (output: { n: number }, expected: { n: number }) => output.n === expected.n,
  non_negative: (output: { n: number }) => output.n >= 0,
  even: (output: { n: number }) => output.n % 2 === 0,
};

interface Sample extends LandedRecords {
  wallMs: number;
}

/**
 * W5: 2,000 runs × 3 evaluations recorded on the fake Phoenix server with 2 ms of latency per
 * request, by the product's streaming upload and by @arizeai/phoenix-client's runExperiment.
 */
export async function runW5(mode: Mode, context: WorkloadContext): Promise<WorkloadReport> {
  const repetitions = mode === "quick" ? 1 : 3;
  const product = await loadProduct();

  const ours = async (): Promise<Sample> => {
    const phoenix = await startPhoenixProcess(LATENCY_MS);
    const root = mkdtempSync(join(tmpdir(), "bench-w5-"));
    const started = performance.now();
    await product.runExperiment({
      experimentName: "w5",
      dataset: { name: "w5", examples: items },
      task: ({ input }: { input: { n: number } }) => ({ n: input.n }),
      evaluators: {
        same_n: ({ output, expected }: any) => evaluatorFns.same_n(output, expected),
        non_negative: ({ output }: any) => evaluatorFns.non_negative(output),
        even: ({ output }: any) => evaluatorFns.even(output),
      },
      concurrency: CONCURRENCY,
      printSummary: false,
      root,
      phoenix: { host: phoenix.url },
    });
    const wallMs = performance.now() - started;
    const result = { wallMs, ...(await phoenix.landed()) };
    context.log(`  W5 vitest-experiments: ${Math.round(wallMs)} ms`);
    await phoenix.close();
    rmSync(root, { recursive: true, force: true });
    return result;
  };

  // phoenix-client posts evaluations without awaiting them: a refused or reset post becomes an
  // unhandled rejection (a lost evaluation), which would otherwise end this process.
  let peerRejections = 0;
  const peer = async (): Promise<Sample> => {
    const phoenix = await startPhoenixProcess(LATENCY_MS);
    const client = createClient({ options: { baseUrl: phoenix.url } });
    const started = performance.now();
    const { datasetId } = await createDataset({
      client,
      name: "w5",
      description: "W5",
      examples: items.map((item) => ({ input: item.input, output: item.expected, metadata: {} })),
    });
    await phoenixRunExperiment({
      client,
      dataset: { datasetId },
      experimentName: "w5",
      task: (example) => ({ n: (example.input as { n: number }).n }),
      evaluators: [
        { name: "same_n", kind: "CODE", evaluate: ({ output, expected }: any) => ({ score: evaluatorFns.same_n(output, expected) ? 1 : 0 }) },
        { name: "non_negative", kind: "CODE", evaluate: ({ output }: any) => ({ score: evaluatorFns.non_negative(output) ? 1 : 0 }) },
        { name: "even", kind: "CODE", evaluate: ({ output }: any) => ({ score: evaluatorFns.even(output) ? 1 : 0 }) },
      ],
      concurrency: CONCURRENCY,
      logger: silentLogger as never,
      setGlobalTracerProvider: false,
    });
    // Phoenix's client posts evaluations without awaiting them: the upload is over when the
    // server has them all (or nothing more arrives for a second).
    let last = -1;
    let quietSince = performance.now();
    for (;;) {
      const now = (await phoenix.landed()).evaluations;
      if (now >= RUNS * EVALUATORS) break;
      if (now !== last) {
        last = now;
        quietSince = performance.now();
      } else if (performance.now() - quietSince > 1_000) break;
      await sleep(20);
    }
    const wallMs = performance.now() - started;
    const result = { wallMs, ...(await phoenix.landed()) };
    context.log(`  W5 phoenix-client: ${Math.round(wallMs)} ms`);
    await phoenix.close();
    return result;
  };

  const onUnhandled = () => void peerRejections++;
  process.on("unhandledRejection", onUnhandled);
  let samples: { ours: Sample; peer: Sample }[];
  try {
    samples = await repeat(repetitions, async () => ({ ours: await ours(), peer: await peer() }));
    await sleep(500);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
  const med = (pick: (s: (typeof samples)[number]) => Sample): Sample => {
    const all = samples.map(pick);
    const m = (f: (x: Sample) => number) => median(all.map(f));
    return {
      wallMs: m((x) => x.wallMs),
      runs: Math.min(...all.map((x) => x.runs)),
      distinctRuns: Math.min(...all.map((x) => x.distinctRuns)),
      evaluations: Math.min(...all.map((x) => x.evaluations)),
      distinctEvaluations: Math.min(...all.map((x) => x.distinctEvaluations)),
      apiRequests: m((x) => x.apiRequests),
      traceRequests: m((x) => x.traceRequests),
    };
  };
  const o = med((s) => s.ours);
  const p = med((s) => s.peer);
  const speedup = median(samples.map((s) => s.peer.wallMs / s.ours.wallMs));
  const worst = (pick: (s: (typeof samples)[number]) => Sample) => {
    const all = samples.map(pick);
    return {
      lost: Math.max(...all.map((x) => RUNS - x.distinctRuns + RUNS * EVALUATORS - x.distinctEvaluations)),
      duplicated: Math.max(...all.map((x) => x.runs - x.distinctRuns + x.evaluations - x.distinctEvaluations)),
    };
  };
  const ow = worst((s) => s.ours);
  const pw = worst((s) => s.peer);
  const row = (label: string, x: Sample, w: { lost: number; duplicated: number }) => [
    label,
    ms(x.wallMs),
    count(x.apiRequests),
    count(x.traceRequests),
    `${count(x.distinctRuns)} / ${count(RUNS)}`,
    `${count(x.distinctEvaluations)} / ${count(RUNS * EVALUATORS)}`,
    count(w.lost),
    count(w.duplicated),
  ];
  return {
    id: "W5",
    title: "upload to Phoenix",
    parameters: `${count(RUNS)} runs × ${EVALUATORS} code evaluations of a trivial task, recorded on the fake Phoenix server (test/support/fake-phoenix) with ${LATENCY_MS} ms of latency before every answer; task concurrency ${CONCURRENCY} on both sides (the product's upload keeps its default of 8 requests in flight)`,
    repetitions,
    tables: [
      {
        header: ["uploader", "time", "API requests", "OTLP trace requests", "runs stored", "evaluations stored", "lost (worst)", "duplicated (worst)"],
        rows: [row("vitest-experiments runExperiment() + Phoenix sink", o, ow), row("@arizeai/phoenix-client runExperiment", p, pw)],
      },
      { header: ["figure", "value"], rows: [["phoenix-client time ÷ vitest-experiments time", ratio(speedup)]] },
    ],
    targets: [
      { what: "upload speed-up over phoenix-client", observed: ratio(speedup), bar: "≥ 3×", met: speedup >= 3 },
      { what: "lost or duplicated records (worst repetition)", observed: count(ow.lost + ow.duplicated), bar: "0", met: ow.lost + ow.duplicated === 0 },
    ],
    notes: [
      "Lost means not on the server when the uploader was done (for phoenix-client: when no evaluation had arrived for 1 s). Both times run from the first request to the last record on the server: the product's time is its runExperiment() call (the Phoenix sink's close waits for every upload); phoenix-client's includes creating the dataset (the product's upload creates it too) and waiting for its evaluations, which it posts without awaiting them.",
      `phoenix-client's evaluation posts that failed (unhandled rejections, over all repetitions): ${peerRejections}.`,
      "The fake server runs in its own process (bench/lib/phoenix-process.ts), so its request handling does not compete with the uploader for the event loop.",
      "phoenix-client also exports OpenTelemetry spans to `/v1/traces`, which the fake server does not implement, and its runExperiment fails when the export is refused; so both uploaders talk to the fake server through a small pass-through (bench/lib/traces-front.ts) that answers those exports itself. They are counted apart from the API requests.",
    ],
    figures: {
      peerRejectedPosts: peerRejections,
      oursMs: o.wallMs,
      peerMs: p.wallMs,
      speedup,
      oursApiRequests: o.apiRequests,
      peerApiRequests: p.apiRequests,
      oursLost: ow.lost,
      oursDuplicated: ow.duplicated,
      peerLost: pw.lost,
      peerDuplicated: pw.duplicated,
    },
  };
}
