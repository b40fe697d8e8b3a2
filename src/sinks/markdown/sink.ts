import { appendFile, mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { ExperimentResult } from "../../record/types.js";
import type { ExperimentSink } from "../types.js";
import type { BaselineComparison } from "./comparison.js";
import { renderExperimentSection, type SectionContext } from "./section.js";

/** GitHub refuses a step summary over 1 MiB; stay under it with room for other writers. */
export const DEFAULT_STEP_SUMMARY_MAX_BYTES = 1_000_000;

export interface StepSummarySinkOptions {
  /** The file to append to: `process.env.GITHUB_STEP_SUMMARY` on GitHub Actions. */
  path: string;
  /** The experiment's comparison with its baseline, when it has one. Errors are shown, not thrown. */
  baselineFor?: (result: ExperimentResult) => Promise<BaselineComparison | undefined> | BaselineComparison | undefined;
  /** Where to look at the experiment: a Phoenix URL (linked) or a local store path (shown). */
  linkFor?: (result: ExperimentResult) => string | undefined;
  /** The summary file is never grown beyond this many bytes. Default 1,000,000. */
  maxBytes?: number;
}

/** `GITHUB_STEP_SUMMARY` when set (the sink is only wanted then), otherwise undefined. */
export function stepSummaryPathFromEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const path = env.GITHUB_STEP_SUMMARY?.trim();
  return path ? path : undefined;
}

const LIMIT_NOTICE =
  "\n> [!NOTE]\n> The step summary reached its size limit; the remaining experiments are in the JUnit report and the test output.\n";

const NOTICE_BYTES = Buffer.byteLength(LIMIT_NOTICE, "utf8");

/**
 * A sink that appends one Markdown section per experiment to the GitHub step summary as each
 * experiment finishes: status, per-evaluator scores with deltas against the baseline, gate
 * verdicts, regressed and improved examples, and a link to the experiment.
 */
export function createStepSummarySink(options: StepSummarySinkOptions): ExperimentSink {
  const maxBytes = options.maxBytes ?? DEFAULT_STEP_SUMMARY_MAX_BYTES;
  let appending: Promise<void> = Promise.resolve();
  let limitReached = false;

  async function contextFor(result: ExperimentResult): Promise<SectionContext> {
    const context: SectionContext = {};
    try {
      context.comparison = await options.baselineFor?.(result);
    } catch (error) {
      context.comparisonError = error instanceof Error ? error.message : String(error);
    }
    try {
      context.link = options.linkFor?.(result);
    } catch {
      // A link is a convenience: without it the section is still complete.
    }
    return context;
  }

  async function append(section: string): Promise<void> {
    if (limitReached) return;
    const size = await currentSize(options.path);
    // Room for the notice is kept back, so a summary that fills up always says so.
    const bytes = Buffer.byteLength(section, "utf8") + NOTICE_BYTES;
    if (size + bytes <= maxBytes) {
      await appendTo(options.path, section);
      return;
    }
    limitReached = true;
    if (size + NOTICE_BYTES <= maxBytes) await appendTo(options.path, LIMIT_NOTICE);
  }

  return {
    name: "step-summary",
    async experimentFinished(result) {
      const section = renderExperimentSection(result, await contextFor(result));
      // Sections are appended one at a time, in the order experiments finished.
      const next = appending.catch(() => {}).then(() => append(section));
      appending = next;
      await next;
    },
    async close() {
      await appending.catch(() => {});
    },
  };
}

async function currentSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw stepSummaryError(path, error);
  }
}

async function appendTo(path: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, text, "utf8");
  } catch (error) {
    throw stepSummaryError(path, error);
  }
}

function stepSummaryError(path: string, error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(`The step summary could not be written to ${path}: ${reason}`, { cause: error });
}
