import type { JsonValue } from "../record/types.js";
import { PermanentError } from "./errors.js";

/**
 * Converts a task's return value to JSON the way `JSON.stringify` would read it (`toJSON` is
 * honoured, so Dates become strings), but strictly: values JSON would silently drop or mangle
 * (functions, symbols, BigInt, NaN, Infinity, Map, Set, cycles) are an error naming the path,
 * because a run record that silently lost part of the output is worse than a failed run.
 * `undefined` at the top level means "no output" and becomes null.
 */
export function toJsonValue(value: unknown, what = "output"): JsonValue {
  if (value === undefined) return null;
  return convert(value, what, new Set());
}

function convert(value: unknown, path: string, seen: Set<object>): JsonValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw notJson(path, String(value));
      return value;
    case "undefined":
      throw notJson(path, "undefined");
    case "bigint":
      throw notJson(path, "a BigInt (convert it to a string or number)");
    case "function":
      throw notJson(path, "a function");
    case "symbol":
      throw notJson(path, "a symbol");
  }
  if (value === null) return null;
  const object = value as object;
  if (typeof (object as { toJSON?: unknown }).toJSON === "function") {
    return convert((object as { toJSON: () => unknown }).toJSON(), path, seen);
  }
  if (object instanceof Map || object instanceof Set) throw notJson(path, `a ${object.constructor.name} (use an array or a plain object)`);
  if (seen.has(object)) throw notJson(path, "a circular reference");
  seen.add(object);
  try {
    if (Array.isArray(object)) return object.map((item, i) => convert(item === undefined ? null : item, `${path}[${i}]`, seen));
    const result: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(object)) {
      if (item === undefined) continue; // as JSON.stringify: absent and undefined are the same
      result[key] = convert(item, `${path}.${key}`, seen);
    }
    return result;
  } finally {
    seen.delete(object);
  }
}

function notJson(path: string, what: string): PermanentError {
  return new PermanentError(`${path} is not JSON-serializable: ${what}`);
}
