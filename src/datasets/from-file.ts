import { readFile } from "node:fs/promises";
import { basename, extname, isAbsolute, relative, resolve } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import type { JsonObject, JsonValue } from "../record/types.js";
import { DatasetError } from "./errors.js";
import { projectRoot } from "./project-root.js";
import type { DatasetContext, DatasetInput, ExampleInput } from "./types.js";

/** Column options for CSV files, named after Phoenix's dataset upload API. */
export interface FromFileOptions {
  /** Dataset name; default: the file name without its extension. */
  name?: string;
  description?: string;
  /** CSV: columns that make up the input. Default: every column not named by another option. */
  inputKeys?: string[];
  /** CSV: columns that make up the expected output. */
  outputKeys?: string[];
  /** CSV: columns copied into metadata. */
  metadataKeys?: string[];
  /** CSV: the column holding the example id. */
  idKey?: string;
  /** CSV: the column holding a split name, or a JSON list of split names. */
  splitKey?: string;
}

type Loader = (context?: DatasetContext) => Promise<DatasetInput>;

/**
 * A dataset read from a `.json` (array of examples, or `{ name?, examples }`), `.jsonl` (one
 * example per line) or `.csv` file. The path resolves from the project root. The file is read
 * when Vitest collects the experiment, not at import.
 */
export function fromFile(path: string, options: FromFileOptions = {}): Loader {
  return async (context) => {
    const root = context?.root ?? projectRoot();
    const absolute = isAbsolute(path) ? path : resolve(root, path);
    const shown = relative(root, absolute) || absolute;
    let text: string;
    try {
      text = await readFile(absolute, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new DatasetError(shown, code === "ENOENT" ? `dataset file not found (resolved from the project root ${root})` : `cannot read dataset file: ${(error as Error).message}`);
    }
    const extension = extname(absolute).toLowerCase();
    const name = options.name ?? basename(absolute, extname(absolute));
    const base = { name, source: shown, ...(options.description ? { description: options.description } : {}) };
    switch (extension) {
      case ".jsonl":
      case ".ndjson":
        return { ...base, examples: parseJsonl(text, shown) };
      case ".json":
        return { ...base, ...parseJsonFile(text, shown, name) };
      case ".csv":
        return { ...base, examples: parseCsvFile(text, shown, options) };
      default:
        throw new DatasetError(shown, `unsupported dataset file type "${extension}"; expected .json, .jsonl or .csv`);
    }
  };
}

function parseJsonl(text: string, source: string): ExampleInput[] {
  const examples: ExampleInput[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      const column = columnOf(error as Error);
      throw new DatasetError(source, `invalid JSON${column !== undefined ? ` at column ${column}` : ""}: ${(error as Error).message}`, index + 1);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new DatasetError(source, `expected an example object { input, output?, metadata?, id? }, got ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`, index + 1);
    }
    examples.push(withLine(value as ExampleInput, index + 1));
  });
  return examples;
}

function parseJsonFile(text: string, source: string, name: string): { name: string; examples: ExampleInput[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const position = positionOf(error as Error);
    const line = position === undefined ? undefined : text.slice(0, position).split("\n").length;
    throw new DatasetError(source, `invalid JSON: ${(error as Error).message}`, line);
  }
  if (Array.isArray(value)) return { name, examples: value as ExampleInput[] };
  if (value && typeof value === "object" && Array.isArray((value as { examples?: unknown }).examples)) {
    const dataset = value as { name?: unknown; examples: ExampleInput[] };
    return { name: typeof dataset.name === "string" ? dataset.name : name, examples: dataset.examples };
  }
  throw new DatasetError(source, `expected an array of examples or an object { name?, examples: [...] }`);
}

function parseCsvFile(text: string, source: string, options: FromFileOptions): ExampleInput[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, info: true, trim: false }) as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new DatasetError(source, `invalid CSV: ${(error as Error).message}`, line);
  }
  if (records.length === 0) return [];
  const header = Object.keys(records[0]!.record);
  const declared: [string, string][] = [
    ...(options.inputKeys ?? []).map((k) => ["inputKeys", k] as [string, string]),
    ...(options.outputKeys ?? []).map((k) => ["outputKeys", k] as [string, string]),
    ...(options.metadataKeys ?? []).map((k) => ["metadataKeys", k] as [string, string]),
    ...(options.idKey ? [["idKey", options.idKey] as [string, string]] : []),
    ...(options.splitKey ? [["splitKey", options.splitKey] as [string, string]] : []),
  ];
  for (const [option, column] of declared) {
    if (!header.includes(column)) {
      throw new DatasetError(source, `column "${column}" (from ${option}) is not in the CSV header; columns: ${header.join(", ")}`, 1);
    }
  }
  const claimed = new Set(declared.filter(([option]) => option !== "inputKeys").map(([, column]) => column));
  const inputKeys = options.inputKeys ?? header.filter((column) => !claimed.has(column));
  const pick = (record: Record<string, string>, keys: readonly string[]): JsonObject =>
    Object.fromEntries(keys.map((k) => [k, record[k] ?? ""]));
  return records.map(({ record, info }) => {
    const example: ExampleInput = { input: pick(record, inputKeys) };
    if (options.outputKeys) example.output = pick(record, options.outputKeys);
    if (options.metadataKeys) example.metadata = pick(record, options.metadataKeys);
    if (options.idKey) example.id = record[options.idKey];
    if (options.splitKey) example.splits = parseSplitCell(record[options.splitKey] ?? "", source, info.lines);
    return withLine(example, info.lines);
  });
}

/** A split cell is a single name, or a JSON list of names (as Phoenix's `split_key` accepts). */
function parseSplitCell(cell: string, source: string, line: number): string[] {
  const trimmed = cell.trim();
  if (trimmed === "") return [];
  if (!trimmed.startsWith("[")) return [trimmed];
  try {
    const list = JSON.parse(trimmed) as JsonValue;
    if (Array.isArray(list) && list.every((s) => typeof s === "string")) return list as string[];
  } catch {
    // fall through to the error below
  }
  throw new DatasetError(source, `split cell ${JSON.stringify(cell)} must be a split name or a JSON list of names`, line);
}

function withLine(example: ExampleInput, line: number): ExampleInput {
  // Kept non-enumerable so it never leaks into the example's content or its hash.
  Object.defineProperty(example, "__line", { value: line, enumerable: false });
  return example;
}

function positionOf(error: Error): number | undefined {
  const match = /position (\d+)/.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

function columnOf(error: Error): number | undefined {
  const position = positionOf(error);
  return position === undefined ? undefined : position + 1;
}
