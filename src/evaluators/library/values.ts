import { EvaluatorConfigError, EvaluatorInputError } from "./define.js";
import type { EvaluatorArgs } from "../types.js";

/** Splits `"answer.items.0"` into `["answer", "items", "0"]`, rejecting empty segments at declaration. */
export function parseKeyPath(evaluator: string, option: string, path: string | undefined): string[] | undefined {
  if (path === undefined) return undefined;
  if (typeof path !== "string" || path === "" || path.split(".").some((segment) => segment === "")) {
    throw new EvaluatorConfigError(
      evaluator,
      `"${option}" must be a dotted key path such as "answer" or "result.items.0", got ${JSON.stringify(path)}`,
    );
  }
  return path.split(".");
}

type Lookup = { found: true; value: unknown } | { found: false; missingAt: string };

export function getPath(value: unknown, path: readonly string[]): Lookup {
  let current = value;
  for (let index = 0; index < path.length; index++) {
    const segment = path[index]!;
    if (current !== null && typeof current === "object" && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return { found: false, missingAt: path.slice(0, index + 1).join(".") };
    }
  }
  return { found: true, value: current };
}

/** A value as a person reads it in an explanation: JSON, cut to a readable length. */
export function show(value: unknown, max = 120): string {
  let text: string;
  if (value === undefined) text = "undefined";
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Text an evaluator can search: strings as they are, other JSON values as compact JSON. */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The value under `outputKey`. A JSON string is parsed first, since LLMs often answer in JSON text. */
export type OutputLookup = { ok: true; value: unknown } | { ok: false; explanation: string };

export function readOutput(output: unknown, path: readonly string[] | undefined): OutputLookup {
  if (!path) return { ok: true, value: output };
  let container = output;
  if (typeof output === "string") {
    try {
      container = JSON.parse(output);
    } catch {
      return { ok: false, explanation: `output is text, not an object with "${path.join(".")}": got ${show(output)}` };
    }
  }
  const lookup = getPath(container, path);
  if (lookup.found) return { ok: true, value: lookup.value };
  return { ok: false, explanation: `output has no "${lookup.missingAt}": got ${show(output)}` };
}

/**
 * The reference value: a fixed `value` when given, else the example's expected output (under
 * `expectedKey`). A missing key is a dataset bug, so it throws instead of scoring 0.
 */
export function readExpected(
  evaluator: string,
  args: Pick<EvaluatorArgs, "expected" | "example">,
  path: readonly string[] | undefined,
): unknown {
  if (!path) return args.expected;
  const lookup = getPath(args.expected, path);
  if (lookup.found) return lookup.value;
  throw new EvaluatorInputError(
    evaluator,
    `the expected output has no "${lookup.missingAt}" (expectedKey "${path.join(".")}"); got ${show(args.expected)}`,
    args.example?.id,
  );
}

/** When the expected output is an object but the output is not, name the keys the user may want. */
export function expectedKeyHint(expected: unknown, actual: unknown): string {
  if (expected !== null && typeof expected === "object" && !Array.isArray(expected) && (actual === null || typeof actual !== "object")) {
    const keys = Object.keys(expected);
    if (keys.length > 0) return `; the expected output is an object: set expectedKey to one of ${keys.map((key) => `"${key}"`).join(", ")}`;
  }
  return "";
}

export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
