import { Option, type Command } from "commander";
import type { PhoenixClient } from "../../phoenix/client.js";
import { listPhoenixExperiments, phoenixRunRecords, resolvePhoenixExperiment, type PhoenixRunRecord } from "../../phoenix/experiments.js";
import { phoenixExperimentUrl } from "../../phoenix/links.js";
import type { PhoenixExperiment } from "../../phoenix/api-types.js";
import { formatNumber } from "../../record/gates.js";
import type { CliCommand } from "../command.js";
import { storeFor, type CliContext } from "../context.js";
import { cell, renderTable } from "../format/table.js";
import { jsonLines } from "../format/runs.js";
import { withPhoenix } from "./phoenix-client.js";
import { evaluationStats } from "../format/evaluation-stats.js";

/**
 * `vitest-experiments phoenix list|show|runs|delete`: the local commands' counterparts, reading
 * the Phoenix server (`PHOENIX_HOST`) instead of the local store. An experiment is a Phoenix
 * experiment id, a local experiment (id or name) that was uploaded, or a name on the server.
 */
export const phoenixCommand: CliCommand = {
  register(program, context) {
    const group = program.command("phoenix").description("list, show, inspect and delete experiments on the Phoenix server (PHOENIX_HOST)");

    group
      .command("list")
      .description("list the experiments on Phoenix, newest first")
      .option("--dataset <name>", "only experiments on this Phoenix dataset")
      .option("--json", "print JSON")
      .action((options: PhoenixListOptions) => phoenixList(context, options));

    group
      .command("show")
      .description("show one Phoenix experiment: dataset, counts, evaluation statistics and its page")
      .argument("<experiment>", EXPERIMENT_ARGUMENT)
      .option("--json", "print JSON")
      .action((ref: string, options: { json?: boolean }, command: Command) => phoenixShow(context, command, ref, options));

    group
      .command("runs")
      .description("list the runs of one Phoenix experiment with their evaluations")
      .argument("<experiment>", EXPERIMENT_ARGUMENT)
      .addOption(new Option("--format <format>", "output format").choices(["table", "json", "jsonl"]).default("table"))
      .action((ref: string, options: { format: PhoenixRunsFormat }, command: Command) => phoenixRuns(context, command, ref, options));

    group
      .command("delete")
      .description("delete one experiment (its runs and evaluations) from Phoenix")
      .argument("<experiment>", EXPERIMENT_ARGUMENT)
      .option("--delete-project", "also delete the experiment's trace project")
      .action((ref: string, options: { deleteProject?: boolean }, command: Command) => phoenixDelete(context, command, ref, options));
  },
};

const EXPERIMENT_ARGUMENT = "Phoenix experiment id, an uploaded local experiment (id or name), or a name on Phoenix";

export interface PhoenixListOptions {
  dataset?: string;
  json?: boolean;
}
export type PhoenixRunsFormat = "table" | "json" | "jsonl";

/*
 * The actions, exported so the local commands can offer the same under a `--phoenix` flag:
 * `if (options.phoenix) return phoenixList(context, options);`.
 */

export function phoenixList(context: CliContext, options: PhoenixListOptions): Promise<void> {
  return withPhoenix(context, async (client) => {
    const listings = await listPhoenixExperiments(client, options.dataset === undefined ? {} : { dataset: options.dataset });
    if (options.json) return void context.io.stdout.write(`${JSON.stringify(listings.map((l) => ({ ...l.experiment, dataset_name: l.dataset.name })), null, 2)}\n`);
    if (listings.length === 0) return void context.io.stdout.write(`No experiments on Phoenix (${client.host}).\n`);
    const rows = listings.map(({ dataset, experiment: e }) => [
      e.id,
      cell(e.name, 40),
      cell(dataset.name, 30),
      String(e.repetitions),
      `${e.successful_run_count} ok, ${e.failed_run_count} failed, ${e.missing_run_count} missing`,
      e.created_at.replace("T", " ").replace(/\.\d+/, "").replace("+00:00", "Z"),
    ]);
    context.io.stdout.write(renderTable(["id", "name", "dataset", "reps", "runs", "created"], rows));
  });
}

export function phoenixShow(context: CliContext, command: Command, ref: string, options: { json?: boolean }): Promise<void> {
  return withPhoenix(context, async (client) => {
    const experiment = await resolve(client, ref, context, command);
    const [dataset, records] = await Promise.all([client.getDataset(experiment.dataset_id), phoenixRunRecords(client, experiment.id)]);
    const url = phoenixExperimentUrl(client.host, experiment.dataset_id, experiment.id);
    const evaluations = evaluationStats(records.flatMap((record) => record.annotations));
    if (options.json) return void context.io.stdout.write(`${JSON.stringify({ experiment, dataset, url, evaluations }, null, 2)}\n`);
    const out: string[] = [];
    const field = (label: string, value: string | null | undefined) => {
      if (value) out.push(`${`${label}:`.padEnd(13)}${value}`);
    };
    field("experiment", `${cell(experiment.name, 80)} (${experiment.id})`);
    field("dataset", `${cell(dataset.name, 80)} (${experiment.dataset_id}), version ${experiment.dataset_version_id}`);
    field("description", experiment.description && cell(experiment.description, 200));
    field("runs", `${experiment.successful_run_count} ok, ${experiment.failed_run_count} failed, ${experiment.missing_run_count} missing of ${experiment.example_count} examples × ${experiment.repetitions}`);
    field("project", experiment.project_name);
    field("created", experiment.created_at);
    if (Object.keys(experiment.metadata).length > 0) field("metadata", cell(JSON.stringify(experiment.metadata), 200));
    field("url", url);
    if (evaluations.length > 0) {
      out.push("");
      const n = (v: number | null) => (v === null ? "n/a" : formatNumber(v));
      out.push(renderTable(["evaluation", "mean", "n", "errors", "labels"], evaluations.map((e) => [cell(e.name, 40), n(e.mean), String(e.count), String(e.errors), cell(Object.entries(e.labels).map(([l, c]) => `${l} ${c}`).join(", "), 50)])).trimEnd());
    }
    context.io.stdout.write(`${out.join("\n")}\n`);
  });
}

export function phoenixRuns(context: CliContext, command: Command, ref: string, options: { format: PhoenixRunsFormat }): Promise<void> {
  return withPhoenix(context, async (client) => {
    const experiment = await resolve(client, ref, context, command);
    const [records, { examples }] = await Promise.all([phoenixRunRecords(client, experiment.id), client.getDatasetExamples(experiment.dataset_id, { versionId: experiment.dataset_version_id })]);
    const exampleIdOf = new Map(examples.map((e) => [e.node_id, e.id]));
    const runs = records.map((r) => ({ ...r, dataset_example_id: r.example_id, example_id: exampleIdOf.get(r.example_id) ?? r.example_id }));
    if (options.format === "json") return void context.io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    if (options.format === "jsonl") return void context.io.stdout.write(jsonLines(runs));
    if (runs.length === 0) return void context.io.stdout.write(`Experiment ${experiment.name} (${experiment.id}) has no runs on Phoenix.\n`);
    const names = [...new Set(runs.flatMap((r) => r.annotations.map((a) => a.name)))].sort();
    const rows = runs.map((r) => [
      cell(r.example_id, 30),
      String(r.repetition_number),
      r.error === null ? "ok" : "error",
      cell(r.error ?? JSON.stringify(r.output) ?? "", 40),
      ...names.map((name) => {
        const a = r.annotations.find((x) => x.name === name);
        if (!a) return "";
        if (a.error) return "error";
        return a.score !== null ? formatNumber(a.score) : (a.label ?? "");
      }),
    ]);
    context.io.stdout.write(renderTable(["example", "rep", "status", "output", ...names], rows));
  });
}

export function phoenixDelete(context: CliContext, command: Command, ref: string, options: { deleteProject?: boolean }): Promise<void> {
  return withPhoenix(context, async (client) => {
    const experiment = await resolve(client, ref, context, command);
    await client.deleteExperiment(experiment.id, { deleteProject: options.deleteProject === true });
    context.io.stdout.write(`Deleted experiment ${experiment.name} (${experiment.id}) from Phoenix, with its ${experiment.successful_run_count + experiment.failed_run_count} runs.\n`);
  });
}

async function resolve(client: PhoenixClient, ref: string, context: CliContext, command: Command): Promise<PhoenixExperiment> {
  const store = storeFor(context, command);
  try {
    return await resolvePhoenixExperiment(client, ref, store);
  } finally {
    await store.close();
  }
}
