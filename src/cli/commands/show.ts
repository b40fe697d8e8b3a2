import { describeVerdict, formatNumber } from "../../record/gates.js";
import { declaredRunCount } from "../../record/shard.js";
import type { CliCommand } from "../command.js";
import { phoenixShow } from "./phoenix.js";
import { arizeShow } from "./arize.js";
import { storeFor } from "../context.js";
import { cell, renderTable } from "../format/table.js";
import { resolveExperiment } from "../resolve-experiment.js";
import { describeThrottle } from "../../record/throttle.js";

export const showCommand: CliCommand = {
  register(program, context) {
    program
      .command("show")
      .description("show one experiment: dataset, configuration, evaluator statistics and gate verdicts")
      .argument("<experiment>", "experiment id (or a unique prefix), or name for the latest of that name")
      .option("--json", "print JSON (everything but the runs; see `runs`)")
      .option("--phoenix", "read the experiments on the Phoenix server (PHOENIX_HOST) instead of the local store")
      .option("--arize", "the experiment on Arize AX (ARIZE_API_KEY, ARIZE_SPACE_ID) instead of the local store")
      .action(async (ref: string, options: { json?: boolean; phoenix?: boolean; arize?: boolean }, command) => {
        if (options.arize) return arizeShow(context, command, ref, options);
        if (options.phoenix) return phoenixShow(context, command, ref, options);
        const stored = await resolveExperiment(storeFor(context, command), ref);
        const { experiment, result, status, runCount, events, problems, file } = stored;
        if (options.json) {
          context.io.stdout.write(`${JSON.stringify({ experiment, result, status, runCount, events, problems, file }, null, 2)}\n`);
          return;
        }
        const out: string[] = [];
        const field = (label: string, value: string | undefined) => {
          if (value !== undefined && value !== "") out.push(`${`${label}:`.padEnd(13)}${value}`);
        };
        field("experiment", `${cell(experiment.name, 80)} (${experiment.id})`);
        field("status", status + (status === "incomplete" ? " (never finished: the process was stopped, or is still running)" : ""));
        field("file", experiment.file);
        field("description", experiment.description && cell(experiment.description, 200));
        const { dataset } = experiment;
        field("dataset", `${cell(dataset.name, 80)}: ${dataset.exampleIds.length} of ${dataset.totalExamples} examples, content ${dataset.contentHash}${dataset.phoenix ? `, Phoenix version ${dataset.phoenix.versionId}` : ""}`);
        field("runs", `${runCount} stored of ${declaredRunCount(experiment)} (${experiment.repetitions} repetition${experiment.repetitions === 1 ? "" : "s"})`);
        field("started", experiment.startTime);
        field("ended", result?.endTime);
        field("git", experiment.git && [experiment.git.branch, experiment.git.commit].filter(Boolean).join(" @ "));
        field("baseline", experiment.baseline);
        const c = experiment.config;
        field("config", `concurrency ${c.concurrency}, retries ${c.retries}, timeout ${c.timeout} ms, exitOnError ${c.exitOnError}, allowedErrorRate ${c.allowedErrorRate}`);
        if (Object.keys(experiment.metadata).length > 0) field("metadata", cell(JSON.stringify(experiment.metadata), 200));
        if (result) {
          const s = result.stats;
          field("tasks", `${s.runs} runs, ${s.errors} failed, ${s.skipped} skipped, ${s.retries} retries, ${s.rateLimited} rate-limited`);
          if (result.throttle && result.throttle.refused > 0) field("throttling", describeThrottle(result.throttle));
          out.push("");
          const n = (v: number | null) => (v === null ? "n/a" : formatNumber(v));
          out.push(
            renderTable(
              ["evaluator", "mean", "min", "max", "pass rate", "n", "errors"],
              s.evaluators.map((e) => [cell(e.name, 40), n(e.mean), n(e.min), n(e.max), n(e.passRate), String(e.count), String(e.errors)]),
            ).trimEnd(),
          );
          if (result.gates.length > 0) {
            out.push("", "gates:");
            for (const verdict of result.gates) out.push(`  ${describeVerdict(verdict)}`);
          }
        }
        if (events.length > 0) out.push("", `events: ${events.length} (${[...new Set(events.map((e) => e.type))].join(", ")})`);
        if (problems.length > 0) {
          out.push("", `unreadable lines in ${file}:`);
          for (const p of problems) out.push(`  ${p.message}`);
        }
        context.io.stdout.write(`${out.join("\n")}\n`);
      });
  },
};
