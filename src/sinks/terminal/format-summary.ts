import { describeVerdict, formatNumber } from "../../record/gates.js";
import { describeThrottle } from "../../record/throttle.js";
import type { BaselineSummary, EvaluatorStats, ExperimentResult } from "../../record/types.js";
import { oneLine, sanitizeText } from "../text-safety.js";
import type { Palette } from "./palette.js";

/** What the summary keeps of one run: its name, verdict and scores, never its output. */
export interface RunLine {
  name: string;
  failed: boolean;
  reasons: string[];
  scores: Record<string, number | null>;
  explanations: Record<string, string>;
}

export interface FormatOptions {
  palette: Palette;
  previousMeans?: Record<string, number>;
  links?: string[];
  /** How many of the lowest-scoring passing runs to show. Failed runs are always all shown. */
  worst?: number;
}

const LINE = 160;

/** The text printed after an experiment: counts, per-evaluator table, gates, worst and failed runs. */
export function formatSummary(result: ExperimentResult, runs: readonly RunLine[], options: FormatOptions): string {
  const { palette: p } = options;
  const { experiment, stats } = result;
  const out: string[] = [];
  const status = {
    passed: p.pass("✓ passed"),
    failed: p.fail("✗ failed"),
    partial: p.warn("~ partial"),
    interrupted: p.warn("! interrupted"),
  }[result.status];
  const examples = experiment.dataset.exampleIds.length;
  const shape = experiment.repetitions > 1 ? `${examples} examples × ${experiment.repetitions} repetitions` : `${examples} examples`;
  const seconds = (Date.parse(result.endTime) - Date.parse(experiment.startTime)) / 1000;
  out.push("");
  out.push(`${p.label(" EXPERIMENT ")} ${p.bold(clean(experiment.name))} ${status} ${p.dim(`dataset ${clean(experiment.dataset.name)} · ${shape} · ${seconds.toFixed(1)}s`)}`);
  if (experiment.dryRun) {
    out.push(p.warn(`  dry run: ${experiment.dryRun.sampled} of ${experiment.dataset.totalExamples} examples sampled with seed ${experiment.dryRun.seed} (VITEST_EXPERIMENTS_SEED=${experiment.dryRun.seed} repeats it); nothing persisted or uploaded`));
  }
  if (experiment.shard) {
    const { index, count, runs } = experiment.shard;
    out.push(p.warn(`  shard ${index}/${count}: ${runs} of ${examples * experiment.repetitions} runs; gates not judged here, merge the shards' reports (vitest run --merge-reports) for the verdict`));
  }
  if (experiment.merged) {
    const { shards, present } = experiment.merged;
    const missing = Array.from({ length: shards }, (_, i) => i + 1).filter((i) => !present.includes(i));
    const line = `  merged from ${present.length} of ${shards} shards${missing.length > 0 ? `; missing: ${missing.map((i) => `${i}/${shards}`).join(", ")}` : ""}`;
    out.push(missing.length > 0 ? p.warn(line) : p.dim(line));
  }
  const counts = [`runs ${stats.runs}`, `errors ${stats.errors}`, `retries ${stats.retries}`, `rate-limited ${stats.rateLimited}`];
  if (stats.skipped > 0) counts.push(`skipped ${stats.skipped}`);
  if (stats.cacheHits + stats.cacheMisses > 0) counts.push(`cache hits ${stats.cacheHits}/${stats.cacheHits + stats.cacheMisses}`);
  out.push(`  ${counts.join(" · ")}`);
  if (result.throttle && result.throttle.refused > 0) out.push(p.warn(`  ${describeThrottle(result.throttle)}`));

  if (stats.evaluators.length > 0) {
    const width = Math.max(9, ...stats.evaluators.map((e) => e.name.length));
    out.push(p.dim(`  ${"evaluator".padEnd(width)}  ${"mean".padStart(6)}  ${"min".padStart(6)}  ${"pass".padStart(5)}  errors`));
    for (const e of stats.evaluators) out.push(`  ${evaluatorRow(e, width, options.previousMeans?.[e.name], p)}`);
  }
  if (result.baseline) out.push(...baselineLines(result.baseline, p));
  if (result.gates.length > 0) {
    out.push(p.dim("  gates"));
    for (const gate of result.gates) {
      const line = `    ${describeVerdict(gate)}`;
      out.push(gate.status === "fail" ? p.fail(line) : gate.status === "pass" ? p.pass(line) : p.warn(line));
    }
  }
  const failed = runs.filter((r) => r.failed);
  if (failed.length > 0) {
    out.push(p.fail(`  failed runs (${failed.length})`));
    for (const run of failed) out.push(p.fail(`    ✗ ${truncateLine(`${clean(run.name)}: ${run.reasons.map(clean).join("; ")}`)}`));
  }
  const maximized = new Set(stats.evaluators.filter((e) => e.direction === "maximize").map((e) => e.name));
  const worst = lowestScoring(runs.filter((r) => !r.failed), maximized, options.worst ?? 3);
  if (worst.length > 0) {
    out.push(p.dim("  lowest-scoring runs"));
    for (const run of worst) {
      const scores = Object.entries(run.scores).map(([k, v]) => `${k}=${v === null ? "–" : formatNumber(v)}`).join(" ");
      // The explanation of the evaluator that scored this run lowest says what went wrong.
      const lowest = Object.entries(run.scores).filter(([name, v]) => v !== null && maximized.has(name)).sort((a, b) => a[1]! - b[1]!)[0]?.[0];
      const why = lowest !== undefined ? run.explanations[lowest] : undefined;
      out.push(p.dim(`    · ${truncateLine(`${clean(run.name)}  ${scores}${why ? ` — ${clean(why)}` : ""}`)}`));
    }
  }
  for (const link of options.links ?? []) out.push(p.dim(`  ${link}`));
  return out.join("\n");
}

function baselineLines(baseline: BaselineSummary, p: Palette): string[] {
  const lines = [p.dim(`  vs baseline (${clean(baseline.source)})`)];
  const moves = baseline.evaluators
    .filter((e) => e.delta !== null)
    .map((e) => {
      const text = `${e.evaluator} ${e.baseline!.toFixed(3)} → ${e.current!.toFixed(3)} (${e.delta! >= 0 ? "+" : ""}${e.delta!.toFixed(3)})`;
      return Math.abs(e.delta!) < 1e-9 ? p.dim(text) : e.worse ? p.fail(text) : p.pass(text);
    });
  if (moves.length > 0) lines.push(`    ${moves.join(" · ")}`);
  const list = (keys: string[]) => truncateLine(keys.map(clean).join(", "));
  if (baseline.regressed.length > 0) lines.push(p.fail(`    regressed (${baseline.regressed.length}): ${list(baseline.regressed)}`));
  if (baseline.improved.length > 0) lines.push(p.pass(`    improved (${baseline.improved.length}): ${list(baseline.improved)}`));
  return lines;
}

function evaluatorRow(e: EvaluatorStats, width: number, previous: number | undefined, p: Palette): string {
  const num = (n: number | null) => (n === null ? "–" : n.toFixed(3)).padStart(6);
  const pass = (e.passRate === null ? "–" : `${Math.round(e.passRate * 100)}%`).padStart(5);
  let row = `${e.name.padEnd(width)}  ${num(e.mean)}  ${num(e.min)}  ${pass}  ${e.errors}`;
  if (previous !== undefined && e.mean !== null) {
    const delta = e.mean - previous;
    const better = e.direction === "minimize" ? delta < 0 : delta > 0;
    const text = `  ${previous.toFixed(2)} → ${e.mean.toFixed(2)} (${delta >= 0 ? "+" : ""}${delta.toFixed(2)})`;
    row += Math.abs(delta) < 1e-9 ? p.dim(text) : better ? p.pass(text) : p.fail(text);
  }
  return row;
}

/**
 * The runs scoring lowest on the evaluators where higher is better (minimize evaluators such as
 * latency are on other scales), ties broken by name so the list is stable. Runs as good as the
 * best run are not "lowest", so an experiment where every run is perfect lists none.
 */
function lowestScoring(runs: readonly RunLine[], maximized: ReadonlySet<string>, count: number): RunLine[] {
  const meanOf = (r: RunLine) => {
    const scores = Object.entries(r.scores).filter(([name, s]) => maximized.has(name) && s !== null).map(([, s]) => s as number);
    return scores.length === 0 ? undefined : scores.reduce((a, b) => a + b, 0) / scores.length;
  };
  const scored = runs.map((r) => ({ r, m: meanOf(r) })).filter((x): x is { r: RunLine; m: number } => x.m !== undefined);
  const best = Math.max(...scored.map((x) => x.m));
  return scored
    .filter(({ m }) => m < best)
    .sort((a, b) => a.m - b.m || a.r.name.localeCompare(b.r.name))
    .slice(0, count)
    .map(({ r }) => r);
}

function clean(text: string): string {
  return oneLine(sanitizeText(text, 500));
}

function truncateLine(text: string): string {
  return text.length > LINE ? `${text.slice(0, LINE - 1)}…` : text;
}
