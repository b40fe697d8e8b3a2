import type { GateVerdict } from "../../../record/types.js";
import type { ReportEvaluator, ReportExperiment } from "../model.js";
import { h, svg } from "./dom.js";
import { date, duration, num, pct, plural } from "./format.js";

const STATUS_TEXT: Record<ReportExperiment["status"], string> = {
  passed: "passed",
  failed: "failed",
  partial: "partial",
  interrupted: "interrupted",
  incomplete: "incomplete",
};

export function badge(text: string, tone: "pass" | "fail" | "warn" | "neutral" | "info"): HTMLElement {
  return h("span", { class: `badge ${tone}` }, text);
}

export function statusTone(status: string): "pass" | "fail" | "warn" | "neutral" {
  return status === "passed" || status === "pass" ? "pass" : status === "failed" || status === "fail" ? "fail" : status === "no-baseline" ? "neutral" : "warn";
}

/** Name, verdict and where the experiment came from. */
export function experimentHeader(experiment: ReportExperiment): HTMLElement {
  const facts: (string | null)[] = [
    experiment.file,
    `id ${experiment.id}`,
    `started ${date(experiment.startTime)}`,
    experiment.git?.branch ? `branch ${experiment.git.branch}` : null,
    experiment.git?.commit ? `commit ${experiment.git.commit.slice(0, 12)}` : null,
  ];
  return h(
    "header",
    { class: "experiment-header" },
    h("div", { class: "title-row" }, h("h2", null, experiment.name), badge(STATUS_TEXT[experiment.status], statusTone(experiment.status)), experiment.dryRun ? badge(`dry run: ${experiment.dryRun.sampled} sampled, seed ${experiment.dryRun.seed}`, "info") : null),
    experiment.description ? h("p", { class: "description" }, experiment.description) : null,
    h("p", { class: "facts" }, facts.filter((f): f is string => f !== null).join(" · ")),
  );
}

function card(label: string, value: string, detail?: string, tone?: string): HTMLElement {
  const long = value.length > 12 ? " long" : "";
  return h("div", { class: `card${tone ? ` ${tone}` : ""}` }, h("div", { class: "card-label" }, label), h("div", { class: `card-value${long}` }, value), detail ? h("div", { class: "card-detail" }, detail) : null);
}

export function overview(experiment: ReportExperiment): HTMLElement {
  const { stats, dataset } = experiment;
  const sampled = dataset.examples === dataset.totalExamples ? `${plural(dataset.examples, "example")}` : `${num(dataset.examples)} of ${plural(dataset.totalExamples, "example")}`;
  return h(
    "section",
    { class: "overview", attrs: { "aria-label": "Overview" } },
    h(
      "div",
      { class: "cards" },
      card("Dataset", dataset.name, `${sampled}${dataset.splits.length ? ` · splits ${dataset.splits.join(", ")}` : ""}`),
      card("Runs", num(stats.runs), `${plural(experiment.repetitions, "repetition")}${stats.skipped ? ` · ${num(stats.skipped)} skipped` : ""}`),
      card("Errors", num(stats.errors), stats.runs ? `${pct(stats.errors / stats.runs)} of runs` : undefined, stats.errors ? "bad" : undefined),
      card("Retries", num(stats.retries), stats.rateLimited ? `${num(stats.rateLimited)} rate-limited attempts` : "no rate limiting"),
      card("Duration", duration(experiment.startTime, experiment.endTime), experiment.endTime ? `ended ${date(experiment.endTime)}` : "did not finish"),
    ),
    experiment.evaluators.length ? h("h3", null, "Evaluators") : null,
    h("div", { class: "evaluators" }, experiment.evaluators.map((e) => evaluatorCard(e, experiment))),
    experiment.gates.length ? h("h3", null, "Gates") : null,
    experiment.gates.length ? gatesList(experiment.gates) : null,
  );
}

/** Scores of one evaluator over the runs that have one. */
function scoresOf(experiment: ReportExperiment, name: string): number[] {
  const scores: number[] = [];
  for (const run of experiment.runs) for (const e of run.evaluations) if (e.name === name && e.score !== null && Number.isFinite(e.score)) scores.push(e.score);
  return scores;
}

interface Bin {
  label: string;
  count: number;
}

/** Two bins for pass/fail scores, ten over 0..1, else ten over the observed range. */
export function bins(scores: readonly number[]): Bin[] {
  if (scores.length === 0) return [];
  if (scores.every((s) => s === 0 || s === 1)) return [{ label: "0", count: scores.filter((s) => s === 0).length }, { label: "1", count: scores.filter((s) => s === 1).length }];
  // A loop, not Math.min(...scores): spreading 100,000 arguments overflows the stack.
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of scores) {
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  if (lo >= 0 && hi <= 1) [lo, hi] = [0, 1];
  if (hi === lo) return [{ label: num(lo), count: scores.length }];
  const n = 10;
  const width = (hi - lo) / n;
  const out: Bin[] = Array.from({ length: n }, (_, i) => ({ label: `${num(lo + i * width)}–${num(lo + (i + 1) * width)}`, count: 0 }));
  for (const s of scores) out[Math.min(n - 1, Math.floor((s - lo) / width))]!.count += 1;
  return out;
}

function histogram(scores: readonly number[], name: string): Element {
  const data = bins(scores);
  const max = Math.max(1, ...data.map((b) => b.count));
  const W = 240;
  const H = 64;
  const gap = 2;
  const bw = data.length ? (W - gap * (data.length - 1)) / data.length : W;
  return svg(
    "svg",
    { class: "histogram", viewBox: `0 0 ${W} ${H + 14}`, role: "img", "aria-label": `Distribution of ${name} scores: ${data.map((b) => `${b.label}: ${b.count}`).join(", ")}` },
    data.map((b, i) => {
      const height = b.count === 0 ? 0 : Math.max(2, (b.count / max) * H);
      return svg("rect", { x: i * (bw + gap), y: H - height, width: bw, height, rx: 1.5 }, svg("title", {}, `${b.label}: ${b.count} run${b.count === 1 ? "" : "s"}`));
    }),
    data.length ? svg("text", { x: 0, y: H + 12, class: "axis" }, data[0]!.label.split("–")[0] ?? "") : null,
    data.length ? svg("text", { x: W, y: H + 12, class: "axis", "text-anchor": "end" }, data[data.length - 1]!.label.split("–").pop() ?? "") : null,
  );
}

function evaluatorCard(evaluator: ReportEvaluator, experiment: ReportExperiment): HTMLElement {
  const scores = scoresOf(experiment, evaluator.name);
  const labels = Object.entries(evaluator.labels).sort((a, b) => b[1] - a[1]);
  // A label-only evaluator (no run scored a number) has no mean worth showing: failed tasks' zeros are all it has.
  const labelOnly = scores.length === 0 && labels.length > 0;
  return h(
    "article",
    { class: "evaluator", attrs: { "data-evaluator": evaluator.name } },
    h("div", { class: "evaluator-head" }, h("h4", null, evaluator.name), h("span", { class: "muted" }, `${evaluator.kind.toLowerCase()} · ${evaluator.direction === "minimize" ? "lower is better" : "higher is better"}`)),
    labelOnly
      ? h("div", { class: "evaluator-mean" }, h("span", { class: "mean-value" }, num(labels.reduce((n, [, c]) => n + c, 0))), h("span", { class: "muted" }, " labelled"))
      : h("div", { class: "evaluator-mean" }, h("span", { class: "mean-value" }, num(evaluator.mean)), h("span", { class: "muted" }, " mean")),
    labelOnly ? null : h(
      "p",
      { class: "muted small" },
      [`${num(evaluator.count)} scored`, evaluator.min !== null ? `min ${num(evaluator.min)}` : null, evaluator.max !== null ? `max ${num(evaluator.max)}` : null, evaluator.passRate !== null ? `${pct(evaluator.passRate)} reach ${num(evaluator.bar)}` : null, evaluator.errors ? `${num(evaluator.errors)} errors` : null]
        .filter(Boolean)
        .join(" · "),
    ),
    scores.length ? histogram(scores, evaluator.name) : labelOnly ? null : h("p", { class: "muted small" }, "No numeric scores."),
    labels.length ? labelBars(labels) : null,
  );
}

const KIND_TEXT: Record<GateVerdict["kind"], string> = { mean: "mean", perRun: "per run", passRate: "pass rate", maxDrop: "max drop", errorRate: "error rate" };

function gatesList(gates: readonly GateVerdict[]): HTMLElement {
  return h(
    "ul",
    { class: "gates" },
    gates.map((gate) => {
      const scale = Math.max(1, gate.bar, gate.observed ?? 0) * (gate.bar > 1 || (gate.observed ?? 0) > 1 ? 1.15 : 1);
      const fill = gate.observed === null ? 0 : Math.max(0, Math.min(1, gate.observed / scale));
      const mark = Math.max(0, Math.min(1, gate.bar / scale));
      const cmp = gate.direction === "minimize" ? "≤" : "≥";
      const track = h("div", { class: `gate-track ${statusTone(gate.status)}`, attrs: { role: "img", "aria-label": `observed ${num(gate.observed)}, bar ${num(gate.bar)}` } }, h("div", { class: "gate-fill" }), h("div", { class: "gate-mark" }));
      (track.firstElementChild as HTMLElement).style.width = `${(fill * 100).toFixed(2)}%`;
      (track.lastElementChild as HTMLElement).style.left = `${(mark * 100).toFixed(2)}%`;
      return h(
        "li",
        { class: "gate", attrs: { "data-status": gate.status } },
        h("div", { class: "gate-name" }, h("strong", null, gate.evaluator), h("span", { class: "muted" }, ` ${KIND_TEXT[gate.kind]}`)),
        badge(gate.status, statusTone(gate.status)),
        track,
        h("div", { class: "gate-text" }, `${num(gate.observed)} ${cmp} ${num(gate.bar)}`, h("span", { class: "muted" }, ` · n=${num(gate.samples)}${gate.baseline !== undefined ? ` · baseline ${num(gate.baseline)}` : ""}`)),
        gate.detail ? h("div", { class: "gate-detail muted small" }, gate.detail) : null,
      );
    }),
  );
}

/** Label counts as bars, most frequent first (at most eight; the rest summed). */
function labelBars(labels: readonly [string, number][]): HTMLElement {
  const total = labels.reduce((n, [, c]) => n + c, 0);
  const shown = labels.slice(0, 8);
  const rest = labels.slice(8).reduce((n, [, c]) => n + c, 0);
  const rows = rest > 0 ? [...shown, [`${labels.length - 8} other labels`, rest] as [string, number]] : shown;
  return h(
    "ul",
    { class: "label-bars", attrs: { "aria-label": "Labels" } },
    rows.map(([label, count]) => {
      const fill = h("span", { class: "label-fill" });
      fill.style.width = `${((count / Math.max(1, total)) * 100).toFixed(1)}%`;
      return h("li", null, h("span", { class: "label-name", attrs: { title: label } }, label), h("span", { class: "label-track" }, fill), h("span", { class: "label-count" }, num(count)));
    }),
  );
}
