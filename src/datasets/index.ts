import { fromFile } from "./from-file.js";
import type { DatasetInput, ExampleInput } from "./types.js";

/** Builds an inline dataset; the same as writing `{ name, examples }`, with types checked. */
function inline(name: string, examples: ExampleInput[], description?: string): DatasetInput {
  return { name, examples, ...(description ? { description } : {}), source: `inline dataset "${name}"` };
}

/** Dataset helpers: `datasets.fromFile(path, options?)`, `datasets.inline(name, examples)`. */
export const datasets = { fromFile, inline };
export type { FromFileOptions } from "./from-file.js";
