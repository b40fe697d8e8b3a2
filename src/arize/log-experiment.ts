import { logExperiment, type LogExperimentOptions, type LoggedExperiment } from "../phoenix/log-experiment.js";
import { rowsOf, type RunRow } from "../phoenix/runs-file.js";
import { ArizeClient } from "./client.js";
import { resolveArizeConfig, type ArizeConfigOptions } from "./config.js";
import { loadArizeDatasetWithIds } from "./dataset.js";

export interface LogArizeExperimentOptions extends Omit<LogExperimentOptions, "dataset" | "phoenix" | "arize"> {
  /** The name of a dataset in the Arize AX space. */
  dataset: string;
  /** Connection settings; default Arize's variables (`ARIZE_API_KEY`, `ARIZE_SPACE_ID`, `ARIZE_BASE_URL`). */
  arize?: ArizeConfigOptions;
}

/**
 * The seeds' `client.experiments.create(name, dataset, experiment_runs, task_fields,
 * evaluator_columns)`: pre-computed runs on a dataset that is on Arize AX, recorded in the local
 * store and uploaded to AX only. Each row's example id may be AX's example id (as the seeds use)
 * or the id this package uploaded the example with.
 */
export async function logArizeExperiment(options: LogArizeExperimentOptions): Promise<LoggedExperiment> {
  const { dataset: name, arize = {}, ...rest } = options;
  const config = resolveArizeConfig(arize, options.env ?? process.env);
  if (!config) throw new Error("logArizeExperiment(): ARIZE_API_KEY is not set (nor the `apiKey` option of `arize`)");
  const client = new ArizeClient(config);
  let loaded;
  try {
    loaded = await loadArizeDatasetWithIds(name, client);
  } finally {
    await client.close();
  }
  const column = options.taskFields?.exampleId ?? "example_id";
  const rows: RunRow[] = isRunRows(options.runs) ? options.runs.map((r) => ({ ...r, values: { ...r.values } })) : rowsOf(options.runs as readonly Record<string, unknown>[]);
  for (const row of rows) {
    const value = row.values[column];
    if (typeof value === "string" && loaded.idOf.has(value)) row.values[column] = loaded.idOf.get(value);
  }
  return logExperiment({ ...rest, runs: rows, dataset: loaded.dataset, phoenix: false, arize: { apiKey: config.apiKey, space: config.space, baseUrl: config.baseUrl } });
}

function isRunRows(runs: LogExperimentOptions["runs"]): runs is readonly RunRow[] {
  return runs.length > 0 && runs.every((r) => typeof (r as RunRow).where === "string" && typeof (r as RunRow).values === "object");
}
