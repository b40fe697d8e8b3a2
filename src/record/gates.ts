import type { Direction, GateSpec, GateVerdict, RunRecord } from "./types.js";

/**
 * True when `score` reaches `bar` in the gate's direction. Means and drops are sums of floats
 * (0.9 - 0.85 is 0.05000000000000004), so a score within a hair of the bar reaches it.
 */
export function meetsBar(score: number, bar: number, direction: Direction): boolean {
  const epsilon = 1e-9 * Math.max(1, Math.abs(bar));
  return direction === "minimize" ? score <= bar + epsilon : score >= bar - epsilon;
}

/**
 * The score a run contributes to an evaluator's aggregates, or undefined when it contributes
 * nothing. A task that failed for good, or an evaluator that errored, counts as `worst` so that
 * failures can never improve an aggregate; `excludeFailedTasks` leaves failed tasks out instead
 * (the error-rate allowance). An evaluation with only a label has no score.
 */
export function scoreForAggregate(run: RunRecord, evaluator: string, excludeFailedTasks: boolean, worst: number | undefined = 0): number | undefined {
  if (run.status === "error") return excludeFailedTasks ? undefined : worst;
  const evaluation = run.evaluations.find((e) => e.name === evaluator);
  if (!evaluation) return undefined;
  if (evaluation.error !== null) return worst;
  return evaluation.score ?? undefined;
}

/**
 * The scores an evaluator's aggregates (mean, pass rate, baseline comparisons) are computed over.
 * Failures count as the worst score: 0 when maximizing; when minimizing (latency, cost) the
 * largest score any successful run reached, or nothing when none succeeded (the gate then has no
 * data and fails).
 */
export function aggregateScores(
  runs: readonly RunRecord[],
  evaluator: string,
  { direction = "maximize", excludeFailedTasks = false }: { direction?: Direction; excludeFailedTasks?: boolean } = {},
): number[] {
  let worst: number | undefined = 0;
  if (direction === "minimize") {
    const ok = runs.map((r) => scoreForAggregate(r, evaluator, true, undefined)).filter((s): s is number => s !== undefined);
    worst = ok.length === 0 ? undefined : Math.max(...ok);
  }
  return runs.map((r) => scoreForAggregate(r, evaluator, excludeFailedTasks, worst)).filter((s): s is number => s !== undefined);
}

export function meanOf(scores: readonly number[]): number | null {
  return scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length;
}

export interface RunVerdict {
  /** The run's test case fails. */
  failed: boolean;
  /** Why the run failed or missed a bar; one line each, for test failure messages. */
  reasons: string[];
  /** perRun bars this run missed (tolerated or not). */
  misses: { evaluator: string; bar: number; score: number | null; explanation: string | null }[];
}

/**
 * Whether one run's test case passes: its task succeeded, every evaluator returned a result, and
 * every `perRun` bar is met, except misses that a `passRate` tolerates (those are reported, and
 * judged in aggregate by the gates test).
 */
export function judgeRun(run: RunRecord, gates: readonly GateSpec[]): RunVerdict {
  const reasons: string[] = [];
  const misses: RunVerdict["misses"] = [];
  let failed = false;
  if (run.status === "error") {
    failed = true;
    const attempts = run.attempts.length;
    reasons.push(`task failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${run.error.message}`);
    return { failed, reasons, misses };
  }
  for (const evaluation of run.evaluations) {
    if (evaluation.error !== null) {
      failed = true;
      reasons.push(`evaluator ${evaluation.name} failed: ${evaluation.error}`);
    }
  }
  for (const gate of gates) {
    if (gate.perRun === undefined) continue;
    const evaluation = run.evaluations.find((e) => e.name === gate.evaluator);
    if (!evaluation || evaluation.error !== null) continue;
    const score = evaluation.score;
    if (score !== null && meetsBar(score, gate.perRun, gate.direction)) continue;
    misses.push({ evaluator: gate.evaluator, bar: gate.perRun, score, explanation: evaluation.explanation });
    const tolerated = gate.passRate !== undefined;
    if (!tolerated) failed = true;
    const op = gate.direction === "minimize" ? "≤" : "≥";
    const why = evaluation.explanation ? `: ${evaluation.explanation}` : "";
    reasons.push(
      `${gate.evaluator} = ${score ?? "no score"}, needs ${op} ${gate.perRun}${tolerated ? " (tolerated by passRate)" : ""}${why}`,
    );
  }
  return { failed, reasons, misses };
}

export interface GateContext {
  /** Runs of the experiment that completed (any status). */
  runs: readonly RunRecord[];
  /** The run covered less than the dataset (filter, `.only`, dry run, interruption). */
  partial: boolean;
  /** Share of runs allowed to fail for good; when > 0 failed runs leave the aggregates. */
  allowedErrorRate: number;
  /** Baseline means per evaluator, for `maxDrop`. Undefined when there is no baseline. */
  baseline?: { means: Record<string, number> };
}

/** Checks every aggregate gate. The order follows the declaration; one verdict per bar. */
export function evaluateGates(gates: readonly GateSpec[], context: GateContext): GateVerdict[] {
  const verdicts: GateVerdict[] = [];
  const { runs, partial, allowedErrorRate } = context;
  const excludeFailed = allowedErrorRate > 0;

  if (excludeFailed) {
    const errors = runs.filter((r) => r.status === "error").length;
    const observed = runs.length === 0 ? null : errors / runs.length;
    verdicts.push(
      verdict({ evaluator: "(task)", kind: "errorRate", direction: "minimize", bar: allowedErrorRate, observed, samples: runs.length }, partial),
    );
  }

  for (const gate of gates) {
    const scores = aggregateScores(runs, gate.evaluator, { direction: gate.direction, excludeFailedTasks: excludeFailed });
    const mean = meanOf(scores);
    const base = { evaluator: gate.evaluator, direction: gate.direction, samples: scores.length };
    if (gate.mean !== undefined) {
      verdicts.push(verdict({ ...base, kind: "mean", bar: gate.mean, observed: mean }, partial));
    }
    if (gate.perRun !== undefined && gate.passRate !== undefined) {
      const perRun = gate.perRun;
      const reached = scores.filter((s) => meetsBar(s, perRun, gate.direction)).length;
      const observed = scores.length === 0 ? null : reached / scores.length;
      // The pass rate itself is always "higher is better", whatever the score's direction.
      verdicts.push(verdict({ ...base, kind: "passRate", direction: "maximize", bar: gate.passRate, observed }, partial));
    }
    if (gate.maxDrop !== undefined) {
      const baselineMean = context.baseline?.means[gate.evaluator];
      if (baselineMean === undefined) {
        verdicts.push({ ...base, kind: "maxDrop", direction: "minimize", bar: gate.maxDrop, observed: null, status: "no-baseline", detail: "no baseline to compare with" });
        continue;
      }
      const drop = mean === null ? null : gate.direction === "minimize" ? mean - baselineMean : baselineMean - mean;
      verdicts.push({
        ...verdict({ ...base, kind: "maxDrop", direction: "minimize", bar: gate.maxDrop, observed: drop }, partial),
        baseline: baselineMean,
      });
    }
  }
  return verdicts;
}

function verdict(v: Omit<GateVerdict, "status">, partial: boolean): GateVerdict {
  if (partial) return { ...v, status: "partial" };
  const pass = v.observed !== null && meetsBar(v.observed, v.bar, v.direction);
  return { ...v, status: pass ? "pass" : "fail" };
}

/** A verdict list fails when any gate failed; partial and no-baseline verdicts do not fail. */
export function gatesFailed(verdicts: readonly GateVerdict[]): boolean {
  return verdicts.some((v) => v.status === "fail");
}

/** One line per gate for failure messages and summaries: observed value, bar, sample count. */
export function describeVerdict(v: GateVerdict): string {
  const op = v.direction === "minimize" ? "≤" : "≥";
  const observed = v.observed === null ? "n/a" : formatNumber(v.observed);
  const what = v.kind === "maxDrop" ? `${v.evaluator} drop from baseline${v.baseline !== undefined ? ` ${formatNumber(v.baseline)}` : ""}` : v.kind === "errorRate" ? "task error rate" : `${v.evaluator} ${v.kind}`;
  if (v.status === "no-baseline") return `– ${v.evaluator} maxDrop: no baseline yet, not checked (needs a drop ${op} ${formatNumber(v.bar)})`;
  const status = v.status === "pass" ? "✓" : v.status === "fail" ? "✗" : "~ partial";
  return `${status} ${what} = ${observed} (needs ${op} ${formatNumber(v.bar)}, n=${v.samples})`;
}

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/0+$/, "").replace(/\.$/, "");
}
