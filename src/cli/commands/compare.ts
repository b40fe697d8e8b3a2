import { resolve } from "node:path";
import { formatNumber } from "../../record/gates.js";
import { baselineFromStored, compareToBaseline, describeBaseline, formatDelta, resolveBaseline, sideBySide, type Baseline, type BaselineComparison, type SideBySideRow } from "../../store/baselines.js";
import { excludesFailedTasks } from "../../store/run-scores.js";
import type { JsonlStoredExperiment } from "../../store/jsonl-store.js";
import type { CliCommand } from "../command.js";
import { CliError, projectRoot, storeFor } from "../context.js";
import { cell, renderTable } from "../format/table.js";
import { resolveExperiment } from "../resolve-experiment.js";

export const compareCommand: CliCommand = {
  register(program, context) {
    program
      .command("compare")
      .description("compare an experiment with another one, or with its baseline: per-evaluator deltas and per-example scores side by side")
      .argument("<experiment>", "the experiment to judge: id (or a unique prefix), or name for the latest of that name")
      .argument("[against]", "the experiment to compare with; default: its baseline (committed baseline file, else the latest passing experiment of the same name and dataset)")
      .option("--json", "print the comparison as JSON")
      .action(async (ref: string, againstRef: string | undefined, options: { json?: boolean }, command) => {
        const store = storeFor(context, command);
        const current = await resolveExperiment(store, ref);
        let baseline: Baseline | undefined;
        let label: string;
        if (againstRef !== undefined) {
          const against = await resolveExperiment(store, againstRef);
          baseline = baselineFromStored(against, "option");
          label = `experiment ${against.experiment.name} (${against.experiment.id})`;
        } else {
          const evalFile = current.experiment.file === undefined ? undefined : resolve(projectRoot(context, command), current.experiment.file);
          baseline = await resolveBaseline({ store, experiment: current.experiment, evalFile });
          if (!baseline) {
            throw new CliError(
              `Experiment ${current.experiment.name} (${current.experiment.id}) has no baseline: no committed baseline file` +
                `${evalFile ? ` next to ${evalFile}` : ""} and no earlier passing experiment of the same name and dataset. Name one: compare <experiment> <against>.`,
            );
          }
          label = describeBaseline(baseline);
        }
        const { experiment, runs } = current;
        const comparison = compareToBaseline(runs, baseline, experiment.gates, {
          evaluators: experiment.evaluators,
          repetitions: experiment.repetitions,
          excludeFailedTasks: excludesFailedTasks(experiment),
        });
        const examples = sideBySide(current.experiment, current.runs, comparison);
        if (options.json) {
          context.io.stdout.write(`${JSON.stringify({ experiment: { id: experiment.id, name: experiment.name }, against: label, ...comparison, examples }, null, 2)}\n`);
          return;
        }
        context.io.stdout.write(renderComparison(current, label, comparison, examples));
      });
  },
};

function renderComparison(current: JsonlStoredExperiment, label: string, comparison: BaselineComparison, examples: SideBySideRow[]): string {
  const { experiment } = current;
  const n = (v: number | null | undefined) => (v === null || v === undefined ? "n/a" : formatNumber(v));
  const out: string[] = [`${cell(experiment.name, 80)} (${experiment.id}) against ${label}`, ""];
  out.push(
    renderTable(
      ["evaluator", "before", "now", "delta", ""],
      comparison.evaluators.map((e) => [cell(e.evaluator, 40), n(e.baseline), n(e.current), e.delta === null ? "n/a" : formatDelta(e.delta), e.worse ? "worse" : ""]),
    ).trimEnd(),
    "",
  );
  const regressed = new Set(comparison.regressed.map((c) => c.key));
  const improved = new Set(comparison.improved.map((c) => c.key));
  const evaluators = comparison.evaluators.map((e) => e.evaluator);
  const scoreCell = (row: SideBySideRow, evaluator: string) => {
    const before = row.before?.[evaluator];
    const after = row.after?.[evaluator];
    if (before === undefined && after === undefined) return "";
    if (before === undefined) return `– → ${n(after)}`;
    if (after === undefined) return `${n(before)} → –`;
    return after === before ? n(after) : `${n(before)} → ${n(after)} (${formatDelta(after - before)})`;
  };
  out.push(
    renderTable(
      ["run", ...evaluators, "change"],
      examples.map((row) => [
        cell(row.key, 40),
        ...evaluators.map((e) => scoreCell(row, e)),
        regressed.has(row.key) ? "regressed" : improved.has(row.key) ? "improved" : row.before === null ? "new" : row.after === null ? "not run" : "",
      ]),
    ).trimEnd(),
    "",
  );
  out.push(`${comparison.regressed.length} regressed, ${comparison.improved.length} improved` + `${comparison.onlyInCurrent.length ? `, ${comparison.onlyInCurrent.length} new` : ""}${comparison.onlyInBaseline.length ? `, ${comparison.onlyInBaseline.length} not run` : ""}.`);
  return `${out.join("\n")}\n`;
}
