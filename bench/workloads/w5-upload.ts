import { createClient } from "@arizeai/phoenix-client";
import { createDataset } from "@arizeai/phoenix-client/datasets";
import { runExperiment as phoenixRunExperiment } from "@arizeai/phoenix-client/experiments";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { count, ms, ratio } from "../lib/format.js";
import { loadProduct, silentLogger, sleep } from "../lib/peers.js";
import { ceilingLoop, landed, missingEvaluations, realPhoenixVenv, runPythonClient, withRealPhoenix, type Landed } from "../lib/real-phoenix.js";
import type { Mode, WorkloadReport } from "../lib/report.js";
import { median, repeat } from "../lib/stats.js";
import type { WorkloadContext } from "./context.js";

const RUNS = 1_000;
const EVALUATORS = ["same_n", "even"] as const;
const CONCURRENCY = 10;
/** Workers the ceiling loop is tried with; the fastest is the ceiling. */
const CEILING_CONCURRENCY = [8, 16];

const items = Array.from({ length: RUNS }, (_, i) => ({ id: `ex${i}`, input: { n: i }, expected: { n: i } }));

interface Sample extends Landed {
  wallMs: number;
}

type Uploader = "ceiling" | "ours" | "oursUntraced" | "peer" | "python";

/**
 * W5: 1,000 runs × 2 code evaluations of a trivial task uploaded to the real Phoenix server (a
 * fresh SQLite-backed `phoenix serve` for each measurement): by the product's runExperiment(), by
 * @arizeai/phoenix-client's runExperiment and by Phoenix's Python client's run_experiment, next to
 * the server's own ceiling (the same writes from a tight request loop).
 */
export async function runW5(mode: Mode, context: WorkloadContext): Promise<WorkloadReport> {
  const repetitions = mode === "quick" ? 1 : 3;
  const venv = await realPhoenixVenv(context.log);
  const product = await loadProduct();

  const measure = (label: string, upload: (url: string) => Promise<{ experimentId: string; wallMs: number }>) =>
    withRealPhoenix(async (server): Promise<Sample> => {
      const { experimentId, wallMs } = await upload(server.url);
      const result = { wallMs, ...(await landed(server.url, experimentId)) };
      context.log(`  W5 ${label}: ${Math.round(wallMs)} ms, ${result.distinctRuns} runs, ${result.distinctEvaluations} evaluations`);
      return result;
    });

  const ceilings: Record<number, number[]> = {};
  const ceiling = async (): Promise<Sample> => {
    let best: Sample | undefined;
    for (const workers of CEILING_CONCURRENCY) {
      const sample = await measure(`ceiling (${workers} workers)`, (url) => ceilingLoop(url, RUNS, EVALUATORS, workers));
      (ceilings[workers] ??= []).push(sample.wallMs);
      if (!best || sample.wallMs < best.wallMs) best = sample;
    }
    return best!;
  };

  const ours = (tracing: boolean) =>
    measure(tracing ? "vitest-experiments" : "vitest-experiments (tracing: false)", async (url) => {
      const root = mkdtempSync(join(tmpdir(), "bench-w5-"));
      try {
        const started = performance.now();
        const result = await product.runExperiment({
          experimentName: "w5",
          dataset: { name: "w5", examples: items },
          task: ({ input }: { input: { n: number } }) => ({ n: input.n }),
          evaluators: {
            same_n: ({ output, expected }: any) => (output.n === expected.n ? 1 : 0),
            even: ({ output }: any) => (output.n % 2 === 0 ? 1 : 0),
          },
          concurrency: CONCURRENCY,
          printSummary: false,
          root,
          phoenix: { host: url },
          tracing,
        });
        const wallMs = performance.now() - started;
        if (!result.experimentId) throw new Error("runExperiment() returned no Phoenix experiment id");
        return { experimentId: result.experimentId, wallMs };
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

  const peer = () =>
    measure("@arizeai/phoenix-client", async (url) => {
      const client = createClient({ options: { baseUrl: url } });
      const started = performance.now();
      const { datasetId } = await createDataset({
        client,
        name: "w5",
        description: "W5",
        examples: items.map((item) => ({ input: item.input, output: item.expected, metadata: {} })),
      });
      // On a loaded server its span export can time out, and then runExperiment rejects although
      // its runs were posted: the experiment is then found on the server and measured all the same.
      const experiment = await phoenixRunExperiment({
        client,
        dataset: { datasetId },
        experimentName: "w5",
        task: (example) => ({ n: (example.input as { n: number }).n }),
        evaluators: [
          { name: "same_n", kind: "CODE", evaluate: ({ output, expected }: any) => ({ score: output.n === expected.n ? 1 : 0 }) },
          { name: "even", kind: "CODE", evaluate: ({ output }: any) => ({ score: output.n % 2 === 0 ? 1 : 0 }) },
        ],
        concurrency: CONCURRENCY,
        logger: silentLogger as never,
        setGlobalTracerProvider: false,
      }).catch(async (error: unknown) => {
        peerFailures.push(String((error as Error)?.message ?? error).split("\n")[0]!);
        const listed = (await (await fetch(`${url}/v1/datasets/${datasetId}/experiments`)).json()) as { data: { id: string }[] };
        if (!listed.data[0]) throw error;
        return { id: listed.data[0].id };
      });
      // It posts evaluations without awaiting them: its upload is over when the server holds them
      // all (or none has arrived for a second).
      let last = -1;
      let quietSince = performance.now();
      for (;;) {
        const missing = await missingEvaluations(url, experiment.id, EVALUATORS);
        if (missing === 0) break;
        if (missing !== last) {
          last = missing;
          quietSince = performance.now();
        } else if (performance.now() - quietSince > 1_000) break;
        await sleep(20);
      }
      return { experimentId: experiment.id, wallMs: performance.now() - started };
    });

  const python = () => measure("Python run_experiment", (url) => runPythonClient(venv, url, RUNS, CONCURRENCY));

  // phoenix-client posts evaluations without awaiting them: a refused post becomes an unhandled
  // rejection (a lost evaluation), which would otherwise end this process.
  let peerRejections = 0;
  const peerFailures: string[] = [];
  const onUnhandled = () => void peerRejections++;
  process.on("unhandledRejection", onUnhandled);
  let samples: Record<Uploader, Sample>[];
  try {
    samples = await repeat(repetitions, async () => ({
      ceiling: await ceiling(),
      ours: await ours(true),
      oursUntraced: await ours(false),
      peer: await peer(),
      python: await python(),
    }));
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }

  const summary = (who: Uploader) => {
    const all = samples.map((s) => s[who]);
    return {
      wallMs: median(all.map((x) => x.wallMs)),
      distinctRuns: Math.min(...all.map((x) => x.distinctRuns)),
      distinctEvaluations: Math.min(...all.map((x) => x.distinctEvaluations)),
      lost: Math.max(...all.map((x) => RUNS - x.distinctRuns + RUNS * EVALUATORS.length - x.distinctEvaluations)),
      duplicated: Math.max(...all.map((x) => x.runs - x.distinctRuns + x.evaluations - x.distinctEvaluations)),
    };
  };
  const s = { ceiling: summary("ceiling"), ours: summary("ours"), oursUntraced: summary("oursUntraced"), peer: summary("peer"), python: summary("python") };
  const writes = RUNS * (1 + EVALUATORS.length);
  const perSecond = (wallMs: number) => count(Math.round((writes / wallMs) * 1000));
  const oursToCeiling = median(samples.map((x) => x.ours.wallMs / x.ceiling.wallMs));
  const untracedToCeiling = median(samples.map((x) => x.oursUntraced.wallMs / x.ceiling.wallMs));
  const peerSpeedup = median(samples.map((x) => x.peer.wallMs / x.ours.wallMs));
  const pythonSpeedup = median(samples.map((x) => x.python.wallMs / x.ours.wallMs));
  const row = (label: string, x: (typeof s)["ours"]) => [
    label,
    ms(x.wallMs),
    perSecond(x.wallMs),
    `${count(x.distinctRuns)} / ${count(RUNS)}`,
    `${count(x.distinctEvaluations)} / ${count(RUNS * EVALUATORS.length)}`,
    count(x.lost),
    count(x.duplicated),
  ];
  return {
    id: "W5",
    title: "upload to the real Phoenix server",
    parameters: `${count(RUNS)} runs × ${EVALUATORS.length} code evaluations of a trivial task, uploaded to the real Phoenix server (arize-phoenix from scripts/prerequisites/phoenix.mjs, SQLite, a fresh server for each measurement); task concurrency ${CONCURRENCY} for every client (the product's upload keeps its default of 8 connections); the ceiling posts the same writes from a tight loop with ${CEILING_CONCURRENCY.join(" or ")} workers over as many connections${CEILING_CONCURRENCY.length > 1 ? " and keeps the fastest" : ""}`,
    repetitions,
    tables: [
      {
        header: ["uploader", "time", "writes/s", "runs stored", "evaluations stored", "lost (worst)", "duplicated (worst)"],
        rows: [
          row("server ceiling (tight request loop)", s.ceiling),
          row("vitest-experiments runExperiment() + Phoenix sink", s.ours),
          row("the same with tracing: false (no span export)", s.oursUntraced),
          row("@arizeai/phoenix-client runExperiment", s.peer),
          row("Python arize-phoenix-client run_experiment", s.python),
        ],
      },
      {
        header: ["figure", "value"],
        rows: [
          ["vitest-experiments time ÷ ceiling", ratio(oursToCeiling)],
          ["vitest-experiments (tracing: false) time ÷ ceiling", ratio(untracedToCeiling)],
          ["phoenix-client time ÷ vitest-experiments time", ratio(peerSpeedup)],
          ["Python client time ÷ vitest-experiments time", ratio(pythonSpeedup)],
          ...CEILING_CONCURRENCY.map((w) => [`ceiling with ${w} workers`, ms(median(ceilings[w]!))]),
        ],
      },
    ],
    targets: [
      { what: "upload time ÷ server ceiling", observed: ratio(oursToCeiling), bar: "≤ 1.2×", met: oursToCeiling <= 1.2 },
      { what: "faster than @arizeai/phoenix-client", observed: ratio(peerSpeedup), bar: "> 1×", met: peerSpeedup > 1 },
      { what: "faster than Python run_experiment", observed: ratio(pythonSpeedup), bar: "> 1×", met: pythonSpeedup > 1 },
      { what: "lost or duplicated records (worst repetition)", observed: count(s.ours.lost + s.ours.duplicated + s.oursUntraced.lost + s.oursUntraced.duplicated), bar: "0", met: s.ours.lost + s.ours.duplicated + s.oursUntraced.lost + s.oursUntraced.duplicated === 0 },
    ],
    notes: [
      "Every time runs from the dataset upload to the last record on the server, and every count is read back from the server's REST API (GET /v1/experiments/{id}/json). The product's time is its runExperiment() call (the Phoenix sink's close waits for every upload); phoenix-client's includes waiting for its evaluations, which it posts without awaiting them (lost: none arrived for 1 s); the Python client's is measured inside its process (without the interpreter's start-up and imports), and its run_experiment returns after its last post.",
      "The three clients also trace: each exports its task and evaluator spans to the server's /v1/traces, which the ceiling loop does not.",
      `phoenix-client's evaluation posts that failed (unhandled rejections, over all repetitions): ${peerRejections}.`,
      ...(peerFailures.length > 0 ? [`phoenix-client's runExperiment rejected in ${peerFailures.length} of ${repetitions} repetitions (its runs had been posted; they were counted on the server): ${[...new Set(peerFailures)].join("; ")}.`] : []),
    ],
    figures: {
      ceilingMs: s.ceiling.wallMs,
      oursMs: s.ours.wallMs,
      peerMs: s.peer.wallMs,
      pythonMs: s.python.wallMs,
      oursToCeiling,
      oursUntracedMs: s.oursUntraced.wallMs,
      untracedToCeiling,
      peerSpeedup,
      pythonSpeedup,
      ...Object.fromEntries(CEILING_CONCURRENCY.map((w) => [`ceiling${w}WorkersMs`, median(ceilings[w]!)])),
      oursLost: s.ours.lost,
      oursDuplicated: s.ours.duplicated,
      oursUntracedLost: s.oursUntraced.lost + s.oursUntraced.duplicated,
      peerLost: s.peer.lost,
      pythonLost: s.python.lost,
      peerRejectedPosts: peerRejections,
    },
  };
}
