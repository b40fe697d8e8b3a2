import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../record/types.js";
import type { StoreEvent } from "./types.js";

/**
 * The on-disk format of one experiment: a JSON Lines file, one record per line, appended in
 * this order: one `experiment` header, then `run` and `event` lines as they happen, then at
 * most one `end`. A missing `end` means the experiment never finished (killed, or still running).
 */
export const LOG_FORMAT_VERSION = 1;

export type LogLine =
  | { type: "experiment"; format: number; experiment: ExperimentDescriptor }
  | { type: "run"; run: RunRecord }
  | { type: "event"; event: StoreEvent }
  | { type: "end"; result: ExperimentResult };

/** A line that could not be read. Reported, never thrown: one bad line must not hide the rest. */
export interface LogProblem {
  /** 1-based line number in the experiment's file. */
  line: number;
  /**
   * `torn`: the last line is incomplete, as a process killed mid-write (or still writing) leaves it.
   * `malformed`: a complete line that is not a record of this format.
   */
  kind: "torn" | "malformed";
  message: string;
}

export interface ParsedLog {
  experiment?: ExperimentDescriptor;
  /** Complete run lines (with `summaryOnly`, counted without being parsed). */
  runCount: number;
  /** In file order; a run written twice (same runId) keeps its last version, at its first position. */
  runs: RunRecord[];
  events: StoreEvent[];
  result?: ExperimentResult;
  problems: LogProblem[];
}

/** One record as the bytes to append: a single line, so that one write stores it whole. */
export function serializeLine(line: LogLine): string {
  return `${JSON.stringify(line)}\n`;
}

/** How every run line starts: `serializeLine` writes `type` first. */
const RUN_LINE_PREFIX = '{"type":"run",';
/** The examples an experiment ran (for reports): as large as the dataset, and listings never need it. */
const EXAMPLES_EVENT_PREFIX = '{"type":"event","event":{"type":"examples",';

/**
 * Reads an experiment log. Bad lines are reported in `problems` with their line numbers.
 * `summaryOnly` skips parsing run lines (the bulk of a log: outputs) and only counts the complete
 * ones, for listings; `runs` is then empty.
 */
export function parseLog(text: string, options: { summaryOnly?: boolean } = {}): ParsedLog {
  const parsed: ParsedLog = { runCount: 0, runs: [], events: [], problems: [] };
  const runIndex = new Map<string, number>();
  const lines = text.split("\n");
  // A file that ends with "\n" splits into a last empty string: nothing torn there.
  const last = lines.length - 1;
  lines.forEach((raw, index) => {
    if (raw.trim() === "") return;
    const lineNumber = index + 1;
    const complete = index < last;
    if (options.summaryOnly && complete && raw.startsWith(RUN_LINE_PREFIX) && raw.endsWith("}")) {
      parsed.runCount += 1;
      return;
    }
    if (options.summaryOnly && complete && raw.startsWith(EXAMPLES_EVENT_PREFIX)) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      parsed.problems.push(
        complete
          ? { line: lineNumber, kind: "malformed", message: `line ${lineNumber} is not valid JSON (${(error as Error).message})` }
          : { line: lineNumber, kind: "torn", message: `line ${lineNumber} is incomplete (the writer was stopped mid-write, or is still writing); ignored` },
      );
      return;
    }
    const problem = accept(parsed, value, runIndex);
    if (problem) parsed.problems.push({ line: lineNumber, kind: "malformed", message: `line ${lineNumber}: ${problem}` });
  });
  if (!options.summaryOnly) parsed.runCount = parsed.runs.length;
  else parsed.runCount += parsed.runs.length; // run lines that did not look complete but parsed (a last line without "\n")
  return parsed;
}

/** Adds one decoded line to `parsed`; returns what is wrong with it, if anything. */
function accept(parsed: ParsedLog, value: unknown, runIndex: Map<string, number>): string | undefined {
  if (!isObject(value)) return "expected a JSON object";
  switch (value.type) {
    case "experiment": {
      if (typeof value.format === "number" && value.format > LOG_FORMAT_VERSION) {
        return `written by a newer version of vitest-experiments (format ${value.format}, this one reads ${LOG_FORMAT_VERSION})`;
      }
      if (!isObject(value.experiment) || typeof value.experiment.id !== "string") return `expected "experiment" with an "id"`;
      if (parsed.experiment) return "a second experiment header; ignored";
      parsed.experiment = value.experiment as unknown as ExperimentDescriptor;
      return undefined;
    }
    case "run": {
      if (!isObject(value.run) || typeof value.run.runId !== "string") return `expected "run" with a "runId"`;
      const run = value.run as unknown as RunRecord;
      const existing = runIndex.get(run.runId);
      if (existing === undefined) {
        runIndex.set(run.runId, parsed.runs.length);
        parsed.runs.push(run);
      } else {
        parsed.runs[existing] = run;
      }
      return undefined;
    }
    case "event": {
      if (!isObject(value.event) || typeof value.event.type !== "string") return `expected "event" with a "type"`;
      parsed.events.push(value.event as StoreEvent);
      return undefined;
    }
    case "end": {
      if (!isObject(value.result) || typeof value.result.status !== "string") return `expected "result" with a "status"`;
      parsed.result = value.result as unknown as ExperimentResult;
      return undefined;
    }
    default:
      return `unknown record type ${JSON.stringify(value.type)} (expected experiment, run, event or end)`;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
