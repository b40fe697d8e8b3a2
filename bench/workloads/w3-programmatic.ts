import pLimit from "p-limit";
import { createClient } from "@arizeai/phoenix-client";
import { createDataset } from "@arizeai/phoenix-client/datasets";
import { runExperiment as phoenixRunExperiment } from "@arizeai/phoenix-client/experiments";
import { ms, ratio } from "../lib/format.js";
import { loadProduct, silentLogger, sleep, startFakePhoenix } from "../lib/peers.js";
import type { Mode, WorkloadReport } from "../lib/report.js";
import { median, repeat } from "../lib/stats.js";
import type { WorkloadContext } from "./context.js";
import { W1 } from "./w1-orchestration.js";

interface Item {
  id: string;
  input: { n: number };
  expected: { n: number };
}

const items: Item[] = Array.from({ length: W1.examples }, (_, i) => ({ id: `ex${i}`, input: { n: i }, expected: { n: i } }));
const task = async (input: { n: number }) => {
  await sleep(W1.taskMs);
  return { n: input.n };
};
const sameN = (output: { n: number }, expected: { n: number }) => output.n === expected.n;
const nonNegative = (output: { n: number }) => output.n >= 0;

/**
 * W3: the W1 workload in one process, three ways: the product's runExperiment(), Phoenix's
 * runExperiment in dry-run mode, and a plain p-limit loop (the floor every runner pays).
 */
export async function runW3(mode: Mode, context: WorkloadContext): Promise<WorkloadReport> {
  const repetitions = mode === "quick" ? 3 : 7;
  const product = await loadProduct();
  // phoenix-client 6.x reads datasets only from a server (a dataset object cannot be passed in), so
  // its dry run reads the same examples from the fake Phoenix server, without latency.
  const phoenix = await startFakePhoenix();
  const client = createClient({ options: { baseUrl: phoenix.url } });
  const { datasetId } = await createDataset({
    client,
    name: "w3",
    description: "W3",
    examples: items.map((item) => ({ input: item.input, output: item.expected, metadata: {} })),
  });

  const floor = async () => {
    const limit = pLimit(W1.concurrency);
    await Promise.all(
      items.map((item) =>
        limit(async () => {
          const output = await task(item.input);
          return [sameN(output, item.expected), nonNegative(output)];
        }),
      ),
    );
  };
  const ours = async () => {
    const ran = await product.runExperiment({
      experimentName: "w3",
      dataset: { name: "w3", examples: items },
      task: ({ input }: { input: { n: number } }) => task(input),
      evaluators: { same_n: ({ output, expected }: any) => sameN(output, expected), non_negative: ({ output }: any) => nonNegative(output) },
      concurrency: W1.concurrency,
      printSummary: false,
      storeDir: false,
      phoenix: false,
    });
    if (ran.taskRuns.length !== W1.examples || ran.evaluationRuns.length !== 2 * W1.examples) throw new Error(`W3: runExperiment() returned ${ran.taskRuns.length} runs`);
  };
  const peer = async () => {
    const ran = await phoenixRunExperiment({
      client,
      dataset: { datasetId },
      experimentName: "w3",
      task: (example) => task(example.input as { n: number }),
      evaluators: [
        { name: "same_n", kind: "CODE", evaluate: ({ output, expected }: any) => ({ score: sameN(output, expected) ? 1 : 0 }) },
        { name: "non_negative", kind: "CODE", evaluate: ({ output }: any) => ({ score: nonNegative(output) ? 1 : 0 }) },
      ],
      dryRun: W1.examples,
      concurrency: W1.concurrency,
      logger: silentLogger as never,
      setGlobalTracerProvider: false,
    });
    if (Object.keys(ran.runs).length !== W1.examples) throw new Error(`W3: phoenix-client returned ${Object.keys(ran.runs).length} runs`);
  };
  const time = async (fn: () => Promise<void>) => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };

  // One warm-up of each (module loading, JIT), then interleaved repetitions.
  await floor();
  await ours();
  await peer();
  const samples = await repeat(repetitions, async () => ({ floor: await time(floor), ours: await time(ours), peer: await time(peer) }));
  await phoenix.close();

  const idealMs = Math.ceil(W1.examples / W1.concurrency) * W1.taskMs;
  const floorMs = median(samples.map((s) => s.floor));
  const oursMs = median(samples.map((s) => s.ours));
  const peerMs = median(samples.map((s) => s.peer));
  const oursRatio = median(samples.map((s) => s.ours / s.floor));
  const peerRatio = median(samples.map((s) => s.peer / s.floor));
  return {
    id: "W3",
    title: "programmatic peers",
    parameters: `the W1 workload (${W1.examples} examples, ${W1.taskMs} ms async task, 2 code evaluators, concurrency ${W1.concurrency}) in one Node process; ideal ${idealMs} ms`,
    repetitions,
    tables: [
      {
        header: ["runner", "median time", "÷ floor", "÷ ideal", "per repetition"],
        rows: [
          ["plain p-limit loop (floor)", ms(floorMs), ratio(1), ratio(floorMs / idealMs), samples.map((s) => ms(s.floor)).join(", ")],
          ["vitest-experiments runExperiment()", ms(oursMs), ratio(oursRatio), ratio(oursMs / idealMs), samples.map((s) => ms(s.ours)).join(", ")],
          ["@arizeai/phoenix-client runExperiment (dry run)", ms(peerMs), ratio(peerRatio), ratio(peerMs / idealMs), samples.map((s) => ms(s.peer)).join(", ")],
        ],
      },
    ],
    targets: [],
    notes: [
      "The issue sets no bar for W3; the ratios to the floor are reported for comparison across changes.",
      "runExperiment() runs with its summary, store, JUnit and Phoenix off; it still builds the RunRecords, statistics and gate verdicts.",
      "Phoenix's runExperiment runs every task first and the evaluators after all tasks; in a dry run it fetches the dataset (twice) from the fake Phoenix server on 127.0.0.1 — phoenix-client 6.x accepts only a dataset selector, not a dataset object.",
    ],
    figures: { idealMs, floorMs, oursMs, peerMs, oursRatio, peerRatio },
  };
}
