import { closest, distance } from "fastest-levenshtein";

/**
 * A mistake in an `experiment()` declaration. The message always names the experiment and, when
 * known, the eval file, so that a run with many eval files points straight at the culprit.
 */
export class ExperimentDeclarationError extends Error {
  override name = "ExperimentDeclarationError";
  constructor(
    readonly experiment: string,
    readonly problem: string,
    readonly file?: string,
  ) {
    super(`experiment "${experiment}"${file ? ` (${file})` : ""}: ${problem}`);
  }
}

/** ` (did you mean "evaluators"?)` when `name` is a near miss of one of `known`, else "". */
export function suggestion(name: string, known: readonly string[]): string {
  if (known.length === 0) return "";
  const best = closest(name, known as string[]);
  const d = distance(name.toLowerCase(), best.toLowerCase());
  return d <= Math.max(2, Math.floor(best.length / 3)) ? ` (did you mean "${best}"?)` : "";
}

/**
 * A user's value as it appears in an error message. JSON.stringify alone shows NaN and Infinity
 * as `null` (and a BigInt throws), which would send the reader looking for a null they never wrote.
 */
export function shown(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
