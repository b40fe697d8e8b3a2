import { DatasetError } from "./errors.js";
import { normalizeDataset } from "./normalize.js";
import type { Dataset, DatasetInput, DatasetSource } from "./types.js";

/** Awaits a dataset given as a value, a promise or a function, and normalises it. */
export async function resolveDataset(source: DatasetSource): Promise<Dataset> {
  let value: DatasetInput;
  try {
    value = await (typeof source === "function" ? source() : source);
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError("dataset", `loading the dataset failed: ${(error as Error)?.message ?? String(error)}`);
  }
  return normalizeDataset(value);
}
