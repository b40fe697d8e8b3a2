import pLimit from "p-limit";
import { count, ms, percent } from "../lib/format.js";
import { loadProduct, sleep, startRateLimitedServer } from "../lib/peers.js";
import type { Mode, WorkloadReport } from "../lib/report.js";
import { median, percentile, repeat } from "../lib/stats.js";
import type { WorkloadContext } from "./context.js";

const RATE = 50;
const CONCURRENCY = 10;
/** The naive loop: what users write without a limiter — a few retries after a fixed pause. */
const NAIVE_RETRIES = 3;
const NAIVE_PAUSE_MS = 500;

class ProviderError extends Error {
  constructor(readonly status: number) {
    super(`provider answered ${status}`);
  }
}

async function callProvider(url: string, signal?: AbortSignal): Promise<{ ok: true }> {
  const response = await fetch(url, signal ? { signal } : {});
  await response.arrayBuffer();
  if (!response.ok) throw new ProviderError(response.status);
  return { ok: true };
}

interface Outcome {
  wallMs: number;
  okRuns: number;
  failedRuns: number;
  refused: number;
  /** Provider's view: accepted per second after its first window (see RateLimitedServerStats). */
  steadyThroughput: number;
  endToEndThroughput: number;
  p95LatencyMs: number;
  maxAcceptedInWindow: number;
}

/**
 * W4: a task calling a local provider that accepts R = 50 requests/s and answers 429 beyond, run
 * through runExperiment() (adaptive limiter) and through a fixed-concurrency loop with naive retry.
 */
export async function runW4(mode: Mode, _context: WorkloadContext): Promise<WorkloadReport> {
  const runs = mode === "quick" ? 250 : 600;
  const repetitions = mode === "quick" ? 1 : 3;
  const product = await loadProduct();

  const ours = async (): Promise<Outcome> => {
    const server = await startRateLimitedServer({ ratePerSecond: RATE });
    const started = performance.now();
    const ran = await product.runExperiment({
      experimentName: "w4",
      dataset: { name: "w4", examples: Array.from({ length: runs }, (_, i) => ({ id: `r${i}`, input: { i } })) },
      task: ({ signal }: { signal: AbortSignal }) => callProvider(server.url, signal),
      concurrency: CONCURRENCY,
      printSummary: false,
      storeDir: false,
      phoenix: false,
    });
    const wallMs = performance.now() - started;
    const stats = server.stats();
    await server.close();
    const latencies = ran.taskRuns.map((run) => Date.parse(run.attempts.at(-1)!.endTime) - Date.parse(run.attempts[0]!.startTime));
    const okRuns = ran.taskRuns.filter((run) => run.status === "ok").length;
    return outcomeOf(wallMs, okRuns, runs - okRuns, stats, latencies);
  };

  const naive = async (): Promise<Outcome> => {
    const server = await startRateLimitedServer({ ratePerSecond: RATE });
    const limit = pLimit(CONCURRENCY);
    const latencies: number[] = [];
    let okRuns = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: runs }, () =>
        limit(async () => {
          const first = performance.now();
          for (let attempt = 0; attempt <= NAIVE_RETRIES; attempt++) {
            try {
              await callProvider(server.url);
              okRuns++;
              break;
            } catch {
              if (attempt < NAIVE_RETRIES) await sleep(NAIVE_PAUSE_MS);
            }
          }
          latencies.push(performance.now() - first);
        }),
      ),
    );
    const wallMs = performance.now() - started;
    const stats = server.stats();
    await server.close();
    return outcomeOf(wallMs, okRuns, runs - okRuns, stats, latencies);
  };

  const samples = await repeat(repetitions, async () => ({ ours: await ours(), naive: await naive() }));
  const summary = (pick: (s: (typeof samples)[number]) => Outcome): Outcome => {
    const all = samples.map(pick);
    const med = (f: (o: Outcome) => number) => median(all.map(f));
    return {
      wallMs: med((o) => o.wallMs),
      okRuns: med((o) => o.okRuns),
      failedRuns: Math.max(...all.map((o) => o.failedRuns)),
      refused: med((o) => o.refused),
      steadyThroughput: med((o) => o.steadyThroughput),
      endToEndThroughput: med((o) => o.endToEndThroughput),
      p95LatencyMs: med((o) => o.p95LatencyMs),
      maxAcceptedInWindow: Math.max(...all.map((o) => o.maxAcceptedInWindow)),
    };
  };
  const o = summary((s) => s.ours);
  const n = summary((s) => s.naive);
  const share = o.steadyThroughput / RATE;
  const row = (label: string, x: Outcome) => [
    label,
    ms(x.wallMs),
    `${x.steadyThroughput.toFixed(1)}/s (${percent(x.steadyThroughput / RATE)})`,
    `${x.endToEndThroughput.toFixed(1)}/s`,
    count(x.refused),
    ms(x.p95LatencyMs),
    count(x.failedRuns),
  ];
  return {
    id: "W4",
    title: "rate limit",
    parameters: `${runs} runs of a task making one request to a provider on 127.0.0.1 that accepts R = ${RATE} requests in any sliding second and answers 429 beyond; concurrency ${CONCURRENCY} on both sides; the naive loop retries a failed request up to ${NAIVE_RETRIES} times after ${NAIVE_PAUSE_MS} ms`,
    repetitions,
    tables: [
      {
        header: ["runner", "wall", "steady throughput (share of R)", "ok runs ÷ wall", "429s", "p95 run latency", "failed runs"],
        rows: [row("vitest-experiments runExperiment()", o), row("fixed-concurrency loop, naive retry", n)],
      },
    ],
    targets: [
      { what: "steady throughput ÷ R", observed: percent(share), bar: "≥ 90%", met: share >= 0.9 },
      { what: "failed runs (worst repetition)", observed: count(o.failedRuns), bar: "0", met: o.failedRuns === 0 },
    ],
    notes: [
      "Steady throughput is the provider's count of accepted requests per second after its first window (a sliding-window provider lets a whole window through at once at the start, which would flatter both runners); `ok runs ÷ wall` includes that first burst.",
      "Run latency is from a run's first attempt to the end of its last attempt (waits between attempts included, the wait for a concurrency slot or the first start slot not).",
    ],
    figures: {
      runs,
      oursSteadyThroughput: o.steadyThroughput,
      oursShare: share,
      ours429: o.refused,
      oursP95Ms: o.p95LatencyMs,
      oursFailed: o.failedRuns,
      naiveSteadyThroughput: n.steadyThroughput,
      naive429: n.refused,
      naiveP95Ms: n.p95LatencyMs,
      naiveFailed: n.failedRuns,
    },
  };
}

function outcomeOf(
  wallMs: number,
  okRuns: number,
  failedRuns: number,
  stats: { refused: number; steadyThroughput: number | null; maxAcceptedInWindow: number },
  latencies: number[],
): Outcome {
  return {
    wallMs,
    okRuns,
    failedRuns,
    refused: stats.refused,
    steadyThroughput: stats.steadyThroughput ?? Number.NaN,
    endToEndThroughput: (okRuns * 1000) / wallMs,
    p95LatencyMs: latencies.length > 0 ? percentile(latencies, 95) : Number.NaN,
    maxAcceptedInWindow: stats.maxAcceptedInWindow,
  };
}
