import { defineCodeEvaluator, EvaluatorConfigError, EvaluatorInputError, resolveName, type LibraryEvaluator, type NameOption } from "./define.js";
import type { EvaluatorArgs } from "../types.js";

export interface LatencyOptions extends NameOption {
  /** Unit of the score. Default "ms". */
  unit?: "ms" | "s";
}

function requireRun(name: string, args: EvaluatorArgs): NonNullable<EvaluatorArgs["run"]> {
  if (!args.run || !Array.isArray(args.run.attempts)) {
    throw new EvaluatorInputError(name, "needs the run record (args.run), which this caller did not pass", args.example?.id);
  }
  return args.run;
}

/** The task's wall time for its successful (or last) attempt. Lower is better. */
export function latency(options: LatencyOptions = {}): LibraryEvaluator {
  const name = resolveName("latency", options);
  const unit = options.unit ?? "ms";
  if (unit !== "ms" && unit !== "s") throw new EvaluatorConfigError(name, `"unit" must be "ms" or "s", got ${JSON.stringify(unit)}`);
  return defineCodeEvaluator(
    name,
    (args) => {
      const run = requireRun(name, args);
      const score = unit === "s" ? run.latencyMs / 1000 : run.latencyMs;
      const attempts = run.attempts.length;
      const detail = attempts > 1 ? ` on attempt ${attempts} of ${attempts}` : "";
      return { score, label: null, explanation: `task took ${score} ${unit}${detail}`, metadata: { latencyMs: run.latencyMs } };
    },
    "minimize",
  );
}

export interface AttemptsOptions extends NameOption {
  /** Count attempts refused by a rate limit (they spent no retry). Default false. */
  countRateLimited?: boolean;
}

/** How many attempts the task needed: 1 is a clean first try. Lower is better. */
export function attempts(options: AttemptsOptions = {}): LibraryEvaluator {
  const name = resolveName("attempts", options);
  return defineCodeEvaluator(
    name,
    (args) => {
      const run = requireRun(name, args);
      const rateLimited = run.attempts.filter((attempt) => attempt.rateLimited).length;
      const timedOut = run.attempts.filter((attempt) => attempt.timedOut).length;
      const failed = run.attempts.filter((attempt) => attempt.error !== null && !attempt.rateLimited).length;
      const score = options.countRateLimited ? run.attempts.length : run.attempts.length - rateLimited;
      const outcome = run.status === "ok" ? "succeeded" : "failed";
      const parts = [`${failed} failed`, `${timedOut} timed out`, `${rateLimited} rate-limited`];
      return {
        score,
        label: null,
        explanation: `task ${outcome} after ${run.attempts.length} attempt${run.attempts.length === 1 ? "" : "s"} (${parts.join(", ")})${options.countRateLimited || rateLimited === 0 ? "" : "; rate-limited attempts are not counted"}`,
        metadata: { total: run.attempts.length, rateLimited, timedOut, failed },
      };
    },
    "minimize",
  );
}
