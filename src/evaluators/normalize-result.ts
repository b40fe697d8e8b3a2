import type { JsonObject } from "../record/types.js";
import { toJsonValue } from "../engine/json.js";

export interface NormalizedResult {
  score: number | null;
  label: string | null;
  explanation: string | null;
  metadata: JsonObject;
}

/** An evaluator returned something that is not a result. */
export class InvalidResultError extends Error {
  override name = "InvalidResultError";
}

/**
 * Reads an evaluator's return value: a number, a boolean (score 1/0 with the label "True"/"False",
 * as Phoenix's Python client records it, so both clients' experiments compare in Phoenix), a string (a label), null (no
 * opinion), or `{ score?, label?, explanation?, metadata? }` with at least a score or a label.
 * Anything else is an error rather than a guess, since a wrong score silently passes gates.
 */
export function normalizeResult(value: unknown): NormalizedResult {
  const empty = { score: null, label: null, explanation: null, metadata: {} };
  if (value === null || value === undefined) return empty;
  if (typeof value === "boolean") return { ...empty, score: value ? 1 : 0, label: value ? "True" : "False" };
  if (typeof value === "number") return { ...empty, score: checkScore(value) };
  if (typeof value === "string") return { ...empty, label: value };
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidResultError(`expected a number, boolean, label string, null or { score, label, explanation }, got ${describe(value)}`);
  }
  const result = value as Record<string, unknown>;
  const score = result.score === undefined || result.score === null ? null : typeof result.score === "boolean" ? (result.score ? 1 : 0) : typeof result.score === "number" ? checkScore(result.score) : invalid("score", result.score, "a number");
  const label = result.label === undefined || result.label === null ? null : typeof result.label === "string" ? result.label : invalid("label", result.label, "a string");
  const explanation = result.explanation === undefined || result.explanation === null ? null : typeof result.explanation === "string" ? result.explanation : String(result.explanation);
  if (score === null && label === null) {
    throw new InvalidResultError(`result object has neither a score nor a label (keys: ${Object.keys(result).join(", ") || "none"})`);
  }
  let metadata: JsonObject = {};
  if (result.metadata !== undefined && result.metadata !== null) {
    const json = toJsonValue(result.metadata, "metadata");
    if (typeof json !== "object" || json === null || Array.isArray(json)) invalid("metadata", result.metadata, "a plain object");
    metadata = json as JsonObject;
  }
  return { score, label, explanation, metadata };
}

function checkScore(score: number): number {
  if (!Number.isFinite(score)) throw new InvalidResultError(`score must be a finite number, got ${score}`);
  return score;
}

function invalid(field: string, value: unknown, expected: string): never {
  throw new InvalidResultError(`${field} must be ${expected}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  return `${typeof value} ${String(value)}`;
}
