/**
 * One experiment as a section of GitHub-flavoured Markdown, for `$GITHUB_STEP_SUMMARY`.
 *
 * Everything user-controlled (names, ids, paths, explanations in gate lines) goes through
 * `escapeMarkdownCell`, so no value can split a table, open an HTML tag or start a link.
 */
import { describeVerdict, formatNumber } from "../../record/gates.js";
import type { EvaluatorStats, ExperimentResult, ExperimentStatus } from "../../record/types.js";
import { escapeMarkdownCell, sanitizeText } from "../text-safety.js";
import type { BaselineComparison } from "./comparison.js";

export interface SectionContext {
  comparison?: BaselineComparison | undefined;
  /** Why the baseline could not be compared (the comparison threw). */
  comparisonError?: string | undefined;
  /** A Phoenix URL (rendered as a link) or a local path (rendered as text). */
  link?: string | undefined;
}

/** Example ids listed per regressed/improved group; the count is always complete. */
const LISTED_EXAMPLES = 10;

const STATUS_BADGE: Record<ExperimentStatus, string> = {
  passed: "✅ passed",
  failed: "❌ failed",
  partial: "⚠️ partial",
  interrupted: "⏹️ interrupted",
};

export function renderExperimentSection(result: ExperimentResult, context: SectionContext = {}): string {
  const { experiment, stats } = result;
  const lines: string[] = [];
  lines.push(`### ${STATUS_BADGE[result.status]}: ${escapeMarkdownCell(experiment.name)}`, "");
  lines.push(overviewLine(result, context.link), "");
  if (experiment.dryRun) {
    lines.push(`_Dry run: ${experiment.dryRun.sampled} example${experiment.dryRun.sampled === 1 ? "" : "s"} sampled with seed ${experiment.dryRun.seed}; nothing was recorded._`, "");
  }

  if (stats.evaluators.length > 0) {
    const withDelta = context.comparison !== undefined;
    lines.push(`| Evaluator | Mean | Min | Pass rate |${withDelta ? " Δ vs baseline |" : ""}`);
    lines.push(`| --- | ---: | ---: | ---: |${withDelta ? " ---: |" : ""}`);
    for (const evaluator of stats.evaluators) lines.push(evaluatorRow(evaluator, context.comparison));
    lines.push("");
  }

  if (result.gates.length > 0) {
    lines.push("**Gates**", "");
    for (const verdict of result.gates) lines.push(`- ${escapeMarkdownCell(describeVerdict(verdict), 400)}`);
    lines.push("");
  }

  if (context.comparison) lines.push(...comparisonLines(context.comparison), "");
  else if (context.comparisonError) lines.push(`_Baseline comparison unavailable: ${escapeMarkdownCell(context.comparisonError, 300)}_`, "");
  return `${lines.join("\n")}\n`;
}

function overviewLine(result: ExperimentResult, link: string | undefined): string {
  const { experiment, stats } = result;
  const parts: string[] = [];
  if (experiment.file) parts.push(escapeMarkdownCell(experiment.file));
  const examples = experiment.dataset.exampleIds.length;
  const repetitions = experiment.repetitions > 1 ? ` × ${experiment.repetitions} repetitions` : "";
  parts.push(`dataset **${escapeMarkdownCell(experiment.dataset.name)}** (${examples} example${examples === 1 ? "" : "s"}${repetitions})`);
  parts.push(`${stats.runs} run${stats.runs === 1 ? "" : "s"}, ${stats.errors} failed, ${stats.skipped} skipped`);
  if (link) parts.push(linkMarkdown(link));
  return parts.join(" · ");
}

function evaluatorRow(evaluator: EvaluatorStats, comparison: BaselineComparison | undefined): string {
  const cells = [
    escapeMarkdownCell(evaluator.name),
    score(evaluator.mean),
    score(evaluator.min),
    evaluator.passRate === null ? "–" : `${formatNumber(Math.round(evaluator.passRate * 1000) / 10)}%`,
  ];
  if (comparison) cells.push(deltaCell(comparison.deltas[evaluator.name], evaluator.mean));
  return `| ${cells.join(" | ")} |`;
}

function deltaCell(delta: BaselineComparison["deltas"][string] | undefined, mean: number | null): string {
  if (!delta) return "–";
  const current = delta.current ?? mean;
  if (current === null) return `n/a (baseline ${score(delta.baseline)})`;
  const change = current - delta.baseline;
  const sign = change > 0 ? "+" : change < 0 ? "−" : "±";
  return `${sign}${formatNumber(Math.abs(change))} (${score(delta.baseline)} → ${score(current)})`;
}

function comparisonLines(comparison: BaselineComparison): string[] {
  const { regressed, improved } = comparison;
  const lines = [`**Vs baseline** ${escapeMarkdownCell(comparison.source)}: ${regressed.length} regressed, ${improved.length} improved`];
  for (const [label, ids] of [["Regressed", regressed], ["Improved", improved]] as const) {
    if (ids.length === 0) continue;
    const shown = ids.slice(0, LISTED_EXAMPLES).map((id) => escapeMarkdownCell(id, 120));
    const more = ids.length > LISTED_EXAMPLES ? `, and ${ids.length - LISTED_EXAMPLES} more` : "";
    lines.push(`- ${label}: ${shown.join(", ")}${more}`);
  }
  return lines;
}

function score(value: number | null): string {
  return value === null ? "–" : formatNumber(value);
}

/**
 * An http(s) URL becomes a link; anything else (a local store path) is shown as text, since a
 * path on the CI machine means nothing in a browser. Characters that could end the link
 * destination early are percent-encoded.
 */
export function linkMarkdown(target: string): string {
  const trimmed = sanitizeText(target, 2000).trim();
  if (/^https?:\/\/[^\s]+$/i.test(trimmed)) {
    const safe = trimmed.replace(/[()<>`"'\\[\]|]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
    return `[open experiment](${safe})`;
  }
  return `record: ${escapeMarkdownCell(trimmed, 300)}`;
}
