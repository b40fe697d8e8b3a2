import OpenAI from "openai";
import pLimit from "p-limit";
import { describeShape, SHAPES, shapeAt, type LimitShape, type ShapeName } from "../../test/support/provider-limits.js";
import { count, ms, percent } from "../lib/format.js";
import { loadProduct, sleep, startRateLimitedServer, type RateLimitedServer } from "../lib/peers.js";
import { PhoenixRateLimiter } from "../lib/phoenix-rate-limiter.js";
import type { Mode, Table, WorkloadReport } from "../lib/report.js";
import { median } from "../lib/stats.js";
import { createBenchProject } from "../lib/vitest-project.js";
import type { WorkloadContext } from "./context.js";

/** Every provider serves about R requests a second: the rate limits at R, the concurrency cap at R × latency. */
const RATE = 40;
const CONCURRENCY = 24;
/** Accepted requests take this long (± 50%): an LLM call shrunk so a run takes seconds, not minutes. */
const LATENCY_MS: Record<ShapeName, number> = { "token-bucket": 50, "sliding-window": 50, "fixed-window": 50, concurrency: 100 };
/** The naive loop: what users write without a limiter — a few retries after a fixed pause. */
const NAIVE_RETRIES = 3;
const NAIVE_PAUSE_MS = 500;
/** Phoenix's limiter starts at 1 request/s and grows 1% a second: it gets a time budget, not the whole workload. */
const PHOENIX_BUDGET_MS = 20_000;

class ProviderError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
  ) {
    super(`provider answered ${status}`);
  }
}

async function callProvider(url: string, signal?: AbortSignal): Promise<true> {
  const response = await fetch(url, signal ? { signal } : {});
  await response.arrayBuffer();
  if (!response.ok) throw new ProviderError(response.status, response.headers);
  return true;
}

type RunnerId = "ours" | "naive" | "phoenix" | "openai-default" | "openai-no-retries";
const RUNNERS: { id: RunnerId; label: string }[] = [
  { id: "ours", label: "vitest-experiments runExperiment(), fetch" },
  { id: "openai-no-retries", label: "runExperiment(), openai SDK maxRetries: 0" },
  { id: "openai-default", label: "runExperiment(), openai SDK default retries (2)" },
  { id: "naive", label: "fixed-concurrency loop, naive retry" },
  { id: "phoenix", label: `Phoenix AdaptiveTokenBucket (${PHOENIX_BUDGET_MS / 1000} s budget)` },
];

interface Outcome {
  wallMs: number;
  okRuns: number;
  failedRuns: number;
  /** Requests the provider accepted and refused (an SDK's hidden retries included). */
  accepted: number;
  refused: number;
  /** ok runs per second of wall ÷ capacity. */
  share: number;
  /** Accepted per second from 2 s after the start to the drain (the last `CONCURRENCY` acceptances) ÷ capacity. */
  steadyShare: number;
  /** From the start until a sliding second first held 80% of capacity; NaN if never. */
  msTo80: number;
}

/**
 * W4: one experiment against a local provider enforcing each of the four common limits, through
 * runExperiment() (fetch, and the official openai SDK with and without its own retries), a
 * fixed-concurrency loop with naive retries, and Phoenix's adaptive token bucket; then several
 * experiments sharing one provider.
 */
export async function runW4(mode: Mode, context: WorkloadContext): Promise<WorkloadReport> {
  const runs = mode === "quick" ? 240 : 400;
  const repetitions = mode === "quick" ? 1 : 2;
  const product = await loadProduct();
  const examples = (prefix: string) => Array.from({ length: runs }, (_, i) => ({ id: `${prefix}${i}`, input: { i } }));

  const measure = async (shape: LimitShape, latency: number, runner: RunnerId): Promise<Outcome> => {
    const server = await startRateLimitedServer({ limit: shape, latencyMs: { mean: latency } });
    const started = performance.now();
    let okRuns = 0;
    let attempted = runs;
    try {
      if (runner === "ours" || runner === "openai-default" || runner === "openai-no-retries") {
        const client =
          runner === "ours" ? undefined : new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "sk-local", ...(runner === "openai-no-retries" ? { maxRetries: 0 } : {}) });
        const ran = await product.runExperiment({
          experimentName: "w4",
          dataset: { name: "w4", examples: examples("r") },
          task: async ({ signal }: { signal: AbortSignal }) => {
            if (!client) return callProvider(`${server.url}/v1/complete`, signal);
            const completion = await client.chat.completions.create({ model: "local", messages: [{ role: "user", content: "hi" }] }, { signal });
            return completion.choices[0]?.message.content ?? null;
          },
          concurrency: CONCURRENCY,
          printSummary: false,
          storeDir: false,
          phoenix: false,
        });
        okRuns = ran.taskRuns.filter((run) => run.status === "ok").length;
      } else if (runner === "naive") {
        const limit = pLimit(CONCURRENCY);
        await Promise.all(
          Array.from({ length: runs }, () =>
            limit(async () => {
              for (let attempt = 0; attempt <= NAIVE_RETRIES; attempt++) {
                try {
                  await callProvider(`${server.url}/v1/complete`);
                  okRuns++;
                  return;
                } catch {
                  if (attempt < NAIVE_RETRIES) await sleep(NAIVE_PAUSE_MS);
                }
              }
            }),
          ),
        );
      } else {
        const limiter = new PhoenixRateLimiter((error) => error instanceof ProviderError);
        const limit = pLimit(CONCURRENCY);
        const deadline = started + PHOENIX_BUDGET_MS;
        attempted = 0;
        await Promise.all(
          Array.from({ length: runs }, () =>
            limit(async () => {
              if (performance.now() >= deadline) return;
              attempted++;
              try {
                await limiter.call(() => callProvider(`${server.url}/v1/complete`));
                okRuns++;
              } catch {
                // counted as failed below
              }
            }),
          ),
        );
      }
    } finally {
      await server.close();
    }
    const wallMs = performance.now() - started;
    return outcomeOf(server, started, wallMs, okRuns, attempted - okRuns, latency);
  };

  const shapes = SHAPES.map((name) => ({ name, latency: LATENCY_MS[name], shape: shapeAt(name, RATE, LATENCY_MS[name]) }));
  const results = new Map<string, Outcome[]>();
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const { name, shape, latency } of shapes) {
      for (const runner of RUNNERS) {
        const outcome = await measure(shape, latency, runner.id);
        context.log(`  W4 ${name} ${runner.id}: ${percent(outcome.steadyShare)} steady, ${percent(outcome.share)} overall, ${outcome.refused} refused, ${outcome.failedRuns} failed`);
        const key = `${name}/${runner.id}`;
        results.set(key, [...(results.get(key) ?? []), outcome]);
      }
    }
  }
  const summary = (key: string): Outcome => {
    const all = results.get(key)!;
    const med = (f: (o: Outcome) => number) => median(all.map(f));
    return {
      wallMs: med((o) => o.wallMs),
      okRuns: med((o) => o.okRuns),
      failedRuns: Math.max(...all.map((o) => o.failedRuns)),
      accepted: med((o) => o.accepted),
      refused: med((o) => o.refused),
      share: med((o) => o.share),
      steadyShare: med((o) => o.steadyShare),
      msTo80: med((o) => (Number.isNaN(o.msTo80) ? Number.POSITIVE_INFINITY : o.msTo80)),
    };
  };

  const tables: Table[] = [];
  const figures: Record<string, number> = { runs };
  const targets: WorkloadReport["targets"] = [];
  for (const { name, shape, latency } of shapes) {
    tables.push({
      header: [`${describeShape(shape)}${name === "concurrency" ? `, ${latency} ms a request` : ""}`, "wall", "ok runs ÷ wall ÷ capacity", "steady share (2 s to the drain)", "time to 80%", "refused ÷ accepted (provider's count)", "failed runs"],
      rows: RUNNERS.map(({ id, label }) => {
        const o = summary(`${name}/${id}`);
        return [label, ms(o.wallMs), percent(o.share), percent(o.steadyShare), Number.isFinite(o.msTo80) ? ms(o.msTo80) : "never", `${(o.refused / Math.max(1, o.accepted)).toFixed(2)} (${count(o.refused)} / ${count(o.accepted)})`, count(o.failedRuns)];
      }),
    });
    const ours = summary(`${name}/ours`);
    targets.push({ what: `${name}: steady share of capacity`, observed: percent(ours.steadyShare), bar: "≥ 90%", met: ours.steadyShare >= 0.9 });
    targets.push({ what: `${name}: refused ÷ accepted`, observed: (ours.refused / ours.accepted).toFixed(2), bar: "≤ 0.25", met: ours.refused / ours.accepted <= 0.25 });
    targets.push({ what: `${name}: failed runs (worst repetition)`, observed: count(ours.failedRuns), bar: "0", met: ours.failedRuns === 0 });
    for (const { id } of RUNNERS) {
      const o = summary(`${name}/${id}`);
      const key = `${name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}_${id.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}`;
      figures[`${key}_share`] = o.share;
      figures[`${key}_steadyShare`] = o.steadyShare;
      figures[`${key}_msTo80`] = o.msTo80;
      figures[`${key}_refusedPerAccepted`] = o.refused / Math.max(1, o.accepted);
      figures[`${key}_failed`] = o.failedRuns;
    }
  }

  // Several experiments on one provider (a token bucket): two in one process, two eval files in
  // parallel Vitest workers. Each must get a fair part of the capacity, neither starve.
  const sharing = await measureSharing(product, runs, context);
  tables.push({
    header: ["two experiments on one token bucket (40/s, burst 4)", "wall (both done)", "experiment A: throughput", "experiment B: throughput", "both ÷ capacity", "refused ÷ accepted", "failed runs"],
    rows: sharing.map((s) => [s.label, ms(s.wallMs), `${s.a.toFixed(1)}/s`, `${s.b.toFixed(1)}/s`, percent(s.share), (s.refused / s.accepted).toFixed(2), count(s.failed)]),
  });
  for (const s of sharing) {
    figures[`sharing_${s.id}_share`] = s.share;
    figures[`sharing_${s.id}_minOverMax`] = Math.min(s.a, s.b) / Math.max(s.a, s.b);
  }

  return {
    id: "W4",
    title: "rate limit",
    parameters:
      `${runs} runs of a task making one request to a provider on 127.0.0.1 that serves about R = ${RATE} requests/s, under each of four limits (answered 429 beyond them, at once), accepted requests answered after 50 ms ± 50% ` +
      `(100 ms under the concurrency cap); concurrency ${CONCURRENCY} for every runner; the naive loop retries a failed request up to ${NAIVE_RETRIES} times after ${NAIVE_PAUSE_MS} ms; ` +
      `Phoenix's limiter (initial 1/s, max 50/s, halving, 1%/s growth, 5 s blocking cooldown, 3 retries) runs what it can in ${PHOENIX_BUDGET_MS / 1000} s`,
    repetitions,
    tables,
    targets,
    notes: [
      "Capacity is R for the three rate limits and cap ÷ mean latency for the concurrency cap. `ok runs ÷ wall ÷ capacity` is the whole experiment, cold start included; the steady share counts the provider's accepted requests from 2 s after the start until the drain (the last 24 requests, when fewer runs are left than the concurrency, so demand sets the pace; under the calendar window, the last refused runs wait out `Retry-After: 1` into a near-empty second, which cost up to 8 points of a 10 s experiment before this was left out). Time to 80% runs from the start until a sliding second first held 80% of capacity (a sliding window accepts a whole window at once, so it reads 0 there).",
      "Refusals are the provider's own count, so they include the openai SDK's own retries; the limiter sees those too, as they arrive (src/engine/hidden-refusals.ts), but cannot pace them.",
      "Sharing: with runExperiment(), each experiment's throughput is its runs ÷ the time until it finished; under Vitest, its accepted requests ÷ the span between its first and last at the provider. `both ÷ capacity` is all runs ÷ the span both took.",
      "The machine is shared with other work: refusals and shares move by a few points between runs.",
    ],
    figures,
  };
}

function outcomeOf(server: RateLimitedServer, started: number, wallMs: number, okRuns: number, failedRuns: number, latency: number): Outcome {
  void latency;
  const stats = server.stats();
  const times = stats.acceptedAt.map((t) => t - started);
  const capacity = stats.capacity;
  // The steady state ends where the drain begins: once fewer runs are left than the concurrency,
  // demand, not the limiter, sets the pace (and under a calendar window the last refused runs
  // wait out their Retry-After into a near-empty second).
  const last = times[times.length - 1 - CONCURRENCY] ?? 0;
  const steady = times.filter((t) => t >= 2_000 && t <= last).length;
  let msTo80 = Number.NaN;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[i]! <= times[j]! - 1_000) i++;
    if (j - i + 1 >= 0.8 * capacity) {
      msTo80 = times[j]!;
      break;
    }
  }
  return {
    wallMs,
    okRuns,
    failedRuns,
    accepted: stats.accepted,
    refused: stats.refused,
    share: (okRuns * 1000) / wallMs / capacity,
    steadyShare: last > 2_000 ? (steady * 1000) / (last - 2_000) / capacity : Number.NaN,
    msTo80,
  };
}

interface Sharing {
  id: string;
  label: string;
  wallMs: number;
  /** Runs per second of each experiment's own wall time. */
  a: number;
  b: number;
  share: number;
  accepted: number;
  refused: number;
  failed: number;
}

async function measureSharing(product: Awaited<ReturnType<typeof loadProduct>>, runs: number, context: WorkloadContext): Promise<Sharing[]> {
  const shape = shapeAt("token-bucket", RATE, 50);
  const results: Sharing[] = [];

  {
    const server = await startRateLimitedServer({ limit: shape, latencyMs: { mean: 50 } });
    const started = performance.now();
    const one = async (client: string) => {
      const ran = await product.runExperiment({
        experimentName: `w4-${client}`,
        dataset: { name: "w4", examples: Array.from({ length: runs }, (_, i) => ({ id: `${client}${i}`, input: { i } })) },
        task: ({ signal }: { signal: AbortSignal }) => callProvider(`${server.url}/v1/complete?client=${client}`, signal),
        concurrency: CONCURRENCY,
        printSummary: false,
        storeDir: false,
        phoenix: false,
      });
      return { wall: performance.now() - started, failed: ran.taskRuns.filter((r) => r.status !== "ok").length };
    };
    const [a, b] = await Promise.all([one("a"), one("b")]);
    const wallMs = performance.now() - started;
    const stats = server.stats();
    await server.close();
    results.push({
      id: "oneProcess",
      label: "two runExperiment() in one process",
      wallMs,
      a: (runs * 1000) / a.wall,
      b: (runs * 1000) / b.wall,
      share: (2 * runs * 1000) / wallMs / RATE,
      accepted: stats.accepted,
      refused: stats.refused,
      failed: a.failed + b.failed,
    });
    context.log(`  W4 sharing, one process: ${percent(results.at(-1)!.share)}`);
  }

  const file = (clients: string[]) => `import { experiment } from "vitest-experiments";
class ProviderError extends Error {
  constructor(status) { super("provider answered " + status); this.status = status; }
}
${clients.map((client) => experimentSource(client)).join("")}`;
  const experimentSource = (client: string) => `experiment("w4-${client}", {
  dataset: { name: "w4", examples: Array.from({ length: ${runs} }, (_, i) => ({ id: "${client}" + i, input: i })) },
  task: async ({ signal }) => {
    const response = await fetch(process.env.PROVIDER_URL + "/v1/complete?client=${client}", { signal });
    await response.arrayBuffer();
    if (!response.ok) throw new ProviderError(response.status);
    return true;
  },
  concurrency: ${CONCURRENCY},
});
`;
  for (const layout of ["one file", "parallel workers"] as const) {
    const server = await startRateLimitedServer({ limit: shape, latencyMs: { mean: 50 } });
    const files: Record<string, string> = layout === "one file" ? { "evals/ab.eval.mjs": file(["a", "b"]) } : { "evals/a.eval.mjs": file(["a"]), "evals/b.eval.mjs": file(["b"]) };
    const project = createBenchProject(`w4-sharing-${layout.replace(" ", "-")}`, "experiments", files);
    // Vitest's default on a 2-core machine is one worker: two are asked for, so the files overlap.
    const run = await project.run({ env: { PROVIDER_URL: server.url }, extraArgs: layout === "one file" ? [] : ["--maxWorkers=2"] });
    const stats = server.stats();
    await server.close();
    const span = (times: readonly number[] | undefined) => (times && times.length > 1 ? times.at(-1)! - times[0]! : Number.NaN);
    const byClient = stats.acceptedAtByClient;
    const first = Math.min(byClient.a?.[0] ?? Number.NaN, byClient.b?.[0] ?? Number.NaN);
    const last = Math.max(byClient.a?.at(-1) ?? Number.NaN, byClient.b?.at(-1) ?? Number.NaN);
    results.push({
      id: layout === "one file" ? "oneFile" : "parallelWorkers",
      label: layout === "one file" ? "two experiments in one eval file" : "two eval files, parallel Vitest workers",
      wallMs: run.wallMs,
      a: ((byClient.a?.length ?? 0) * 1000) / span(byClient.a),
      b: ((byClient.b?.length ?? 0) * 1000) / span(byClient.b),
      share: (stats.accepted * 1000) / (last - first) / RATE,
      accepted: stats.accepted,
      refused: stats.refused,
      failed: 2 * runs - stats.accepted,
    });
    context.log(`  W4 sharing, ${layout}: ${percent(results.at(-1)!.share)}`);
  }
  return results;
}
