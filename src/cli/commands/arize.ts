import type { Command } from "commander";
import { annotateArizeRuns } from "../../arize/annotate.js";
import { ArizeClient } from "../../arize/client.js";
import { ArizeConfigError } from "../../arize/config.js";
import { resolveArizeExperiment, runView, type ArizeRunView } from "../../arize/experiments.js";
import type { AxExperiment } from "../../arize/api-types.js";
import { annotationsFromRows } from "../../phoenix/annotate.js";
import type { RunRow } from "../../phoenix/runs-file.js";
import { formatNumber } from "../../record/gates.js";
import { CliError, storeFor, type CliContext } from "../context.js";
import { cell, renderTable } from "../format/table.js";
import { jsonLines } from "../format/runs.js";
import { evaluationStats } from "../format/evaluation-stats.js";

/*
 * The `--arize` side of `list`, `show`, `runs`, `delete` and `annotate`: the same commands on the
 * experiments in the Arize AX space (`ARIZE_API_KEY`, `ARIZE_SPACE_ID`, `ARIZE_BASE_URL`). An
 * experiment is an AX experiment id, a local experiment (id or name) that was uploaded, or a name
 * in the space.
 */

/** Runs `work` with an AX client from Arize's variables, closing it after; errors come out redacted. */
export async function withArize<T>(context: CliContext, work: (client: ArizeClient) => Promise<T>): Promise<T> {
  let client: ArizeClient | undefined;
  try {
    client = ArizeClient.fromEnv({}, context.env as NodeJS.ProcessEnv);
  } catch (error) {
    if (error instanceof ArizeConfigError) throw new CliError(error.message);
    throw error;
  }
  if (!client) throw new CliError("ARIZE_API_KEY is not set: set it (and ARIZE_SPACE_ID, the space id or name) to reach Arize AX");
  try {
    return await work(client);
  } catch (error) {
    if (error instanceof CliError) throw new CliError(client.redactText(error.message), error.exitCode);
    throw new CliError(client.redactText((error as Error)?.message ?? String(error)));
  } finally {
    await client.close();
  }
}

export function arizeList(context: CliContext, options: { dataset?: string; json?: boolean }): Promise<void> {
  return withArize(context, async (client) => {
    const space = await client.space();
    let datasetId: string | undefined;
    if (options.dataset !== undefined) {
      const dataset = await client.findDatasetByName(space.id, options.dataset);
      if (!dataset) throw new CliError(`Arize AX has no dataset named "${options.dataset}" in space "${space.name}"`);
      datasetId = dataset.id;
    }
    const experiments = await client.listExperiments(datasetId ? { datasetId } : { spaceId: space.id });
    if (options.json) return void context.io.stdout.write(`${JSON.stringify(experiments, null, 2)}\n`);
    if (experiments.length === 0) return void context.io.stdout.write(`No experiments on Arize AX in space "${space.name}".\n`);
    const names = await datasetNames(client, experiments);
    const rows = experiments.map((e) => [e.id, cell(e.name, 50), cell(names.get(e.dataset_id ?? "") ?? "", 30), e.created_at.replace("T", " ").replace(/\.\d+/, "")]);
    context.io.stdout.write(renderTable(["id", "name", "dataset", "created"], rows));
  });
}

export function arizeShow(context: CliContext, command: Command, ref: string, options: { json?: boolean }): Promise<void> {
  return withArize(context, async (client) => {
    const experiment = await resolve(client, ref, context, command);
    const runs = (await client.listRuns(experiment.id)).map(runView);
    const dataset = experiment.dataset_id ? await client.getDataset(experiment.dataset_id) : undefined;
    const evaluations = evaluationStats(runs.flatMap((run) => Object.entries(run.evaluations).map(([name, e]) => ({ name, ...e }))));
    const failed = runs.filter((r) => r.error).length;
    if (options.json) return void context.io.stdout.write(`${JSON.stringify({ experiment, dataset, runs: runs.length, failed, evaluations }, null, 2)}\n`);
    const out: string[] = [];
    const field = (label: string, value: string | undefined) => {
      if (value) out.push(`${`${label}:`.padEnd(13)}${value}`);
    };
    field("experiment", `${cell(experiment.name, 80)} (${experiment.id})`);
    field("dataset", dataset ? `${cell(dataset.name, 80)} (${dataset.id}), version ${experiment.dataset_version_id ?? "?"}` : undefined);
    field("runs", `${runs.length - failed} ok, ${failed} failed`);
    field("created", experiment.created_at);
    if (evaluations.length > 0) {
      out.push("");
      const n = (v: number | null) => (v === null ? "n/a" : formatNumber(v));
      out.push(renderTable(["evaluation", "mean", "n", "errors", "labels"], evaluations.map((e) => [cell(e.name, 40), n(e.mean), String(e.count), String(e.errors), cell(Object.entries(e.labels).map(([l, c]) => `${l} ${c}`).join(", "), 50)])).trimEnd());
    }
    context.io.stdout.write(`${out.join("\n")}\n`);
  });
}

export function arizeRuns(context: CliContext, command: Command, ref: string, options: { format: "table" | "json" | "jsonl" }): Promise<void> {
  return withArize(context, async (client) => {
    const experiment = await resolve(client, ref, context, command);
    const runs = (await client.listRuns(experiment.id)).map(runView);
    if (options.format === "json") return void context.io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    if (options.format === "jsonl") return void context.io.stdout.write(jsonLines(runs));
    if (runs.length === 0) return void context.io.stdout.write(`Experiment ${experiment.name} (${experiment.id}) has no runs on Arize AX.\n`);
    const names = [...new Set(runs.flatMap((r) => Object.keys(r.evaluations)))].sort();
    const rows = runs.map((r) => [
      cell(r.run_id ?? r.id, 40),
      r.error ? "error" : "ok",
      cell(r.error ?? r.output ?? "", 40),
      ...names.map((name) => {
        const e = r.evaluations[name];
        if (!e) return "";
        if (e.error) return "error";
        return e.score !== undefined ? formatNumber(e.score) : (e.label ?? "");
      }),
    ]);
    context.io.stdout.write(renderTable(["run", "status", "output", ...names], rows));
  });
}

export function arizeDelete(context: CliContext, command: Command, ref: string): Promise<void> {
  return withArize(context, async (client) => {
    const experiment = await resolve(client, ref, context, command);
    await client.deleteExperiment(experiment.id);
    context.io.stdout.write(`Deleted experiment ${experiment.name} (${experiment.id}) from Arize AX.\n`);
  });
}

export function arizeAnnotate(context: CliContext, command: Command, ref: string, rows: readonly RunRow[]): Promise<void> {
  const annotations = annotationsFromRows(rows);
  return withArize(context, async (client) => {
    const experiment = await resolve(client, ref, context, command);
    const report = await annotateArizeRuns(client, experiment, annotations);
    context.io.stdout.write(`Annotated ${report.upserted} run${report.upserted === 1 ? "" : "s"} of ${experiment.name} (${experiment.id}) on Arize AX.\n`);
  });
}

async function resolve(client: ArizeClient, ref: string, context: CliContext, command: Command): Promise<AxExperiment> {
  const store = storeFor(context, command);
  try {
    return await resolveArizeExperiment(client, ref, store);
  } finally {
    await store.close();
  }
}

async function datasetNames(client: ArizeClient, experiments: readonly AxExperiment[]): Promise<Map<string, string>> {
  const ids = [...new Set(experiments.map((e) => e.dataset_id).filter((id): id is string => Boolean(id)))];
  const names = new Map<string, string>();
  for (const id of ids) names.set(id, (await client.getDataset(id)).name);
  return names;
}
