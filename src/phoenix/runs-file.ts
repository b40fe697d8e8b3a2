import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";

/**
 * Pre-computed runs read from a `.jsonl`, `.csv` or `.json` file, each row with where it came from,
 * so that a bad value can be reported as `runs.csv:7 column "score"`.
 */

export interface RunRow {
  values: Record<string, unknown>;
  /** For people: `runs.jsonl:3`, `runs.json item 2`, `row 4`. */
  where: string;
}

/** A pre-computed run that cannot be logged; names the file, the row and the column. */
export class LogExperimentError extends Error {
  override readonly name = "LogExperimentError";
  constructor(
    readonly where: string,
    readonly problem: string,
    readonly column?: string,
  ) {
    super(`${where}${column !== undefined ? ` column ${JSON.stringify(column)}` : ""}: ${problem}`);
  }
}

/** Rows given in code: located as `row <n>` (1-based) of `source`. */
export function rowsOf(values: readonly Record<string, unknown>[], source = "runs"): RunRow[] {
  return values.map((row, index) => {
    const where = `${source} row ${index + 1}`;
    if (typeof row !== "object" || row === null || Array.isArray(row)) throw new LogExperimentError(where, `expected an object of column → value, got ${describe(row)}`);
    return { values: row, where };
  });
}

/** Reads a runs file; `shown` is the path as people should see it (relative to where they are). */
export async function readRunsFile(path: string, shown = path): Promise<RunRow[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LogExperimentError(shown, code === "ENOENT" ? "runs file not found" : `cannot read the runs file: ${(error as Error).message}`);
  }
  const extension = extname(path).toLowerCase();
  switch (extension) {
    case ".jsonl":
    case ".ndjson":
      return parseJsonl(text, shown);
    case ".json":
      return parseJsonArray(text, shown);
    case ".csv":
      return parseCsvRows(text, shown);
    default:
      throw new LogExperimentError(shown, `unsupported runs file type "${extension}"; expected .jsonl, .csv or .json`);
  }
}

function parseJsonl(text: string, shown: string): RunRow[] {
  const rows: RunRow[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "") return;
    const where = `${shown}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new LogExperimentError(where, `invalid JSON: ${(error as Error).message}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new LogExperimentError(where, `expected an object of column → value, got ${describe(value)}`);
    rows.push({ values: value as Record<string, unknown>, where });
  });
  return rows;
}

function parseJsonArray(text: string, shown: string): RunRow[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LogExperimentError(shown, `invalid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) throw new LogExperimentError(shown, `expected a JSON array of run objects, got ${describe(value)}`);
  return value.map((item, index) => {
    const where = `${shown} item ${index + 1}`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) throw new LogExperimentError(where, `expected an object of column → value, got ${describe(item)}`);
    return { values: item as Record<string, unknown>, where };
  });
}

function parseCsvRows(text: string, shown: string): RunRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, info: true }) as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new LogExperimentError(line ? `${shown}:${line}` : shown, `invalid CSV: ${(error as Error).message}`);
  }
  // csv-parse counts the line a record ends on.
  return records.map(({ record, info }) => ({ values: record, where: `${shown}:${info.lines}` }));
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
