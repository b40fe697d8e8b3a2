import { DatasetError } from "./errors.js";
import { normalizeDataset } from "./normalize.js";
import { projectRoot } from "./project-root.js";
import type { Dataset, DatasetContext, DatasetInput, DatasetSource } from "./types.js";

/** Awaits a dataset given as a value, a promise or a function, and normalises it. */
export async function resolveDataset(source: DatasetSource, context: DatasetContext = { root: projectRoot() }): Promise<Dataset> {
  let value: DatasetInput;
  try {
    value = await (typeof source === "function" ? source(context) : source);
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError("dataset", `loading the dataset failed: ${(error as Error)?.message ?? String(error)}`);
  }
  return normalizeDataset(value);
}
