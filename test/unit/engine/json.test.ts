import { describe, expect, it } from "vitest";
import { PermanentError } from "../../../src/engine/errors.js";
import { toJsonValue } from "../../../src/engine/json.js";

describe("toJsonValue", () => {
  it("passes JSON values through and honours toJSON (Dates become strings)", () => {
    const date = new Date("2026-01-02T03:04:05.000Z");
    expect(toJsonValue({ a: [1, "x", true, null], d: date, nested: { b: 2 } })).toEqual({
      a: [1, "x", true, null],
      d: "2026-01-02T03:04:05.000Z",
      nested: { b: 2 },
    });
  });

  it("reads undefined at the top level as no output (null), drops undefined properties and nulls undefined array items, like JSON", () => {
    expect(toJsonValue(undefined)).toBeNull();
    expect(toJsonValue({ a: undefined, b: 1 })).toEqual({ b: 1 });
    expect(toJsonValue([undefined, 1])).toEqual([null, 1]);
  });

  it("accepts the same object twice when it is not a cycle", () => {
    const shared = { x: 1 };
    expect(toJsonValue({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });

  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  it.each([
    ["a BigInt", { n: 10n }, "output.n", "BigInt"],
    ["a circular reference", circular, "output.self", "circular"],
    ["a function", { f: () => 1 }, "output.f", "function"],
    ["a Map", { m: new Map() }, "output.m", "Map"],
    ["a Set", [new Set([1])], "output[0]", "Set"],
    ["NaN", { score: Number.NaN }, "output.score", "NaN"],
    ["Infinity", [1, Number.POSITIVE_INFINITY], "output[1]", "Infinity"],
    ["a symbol", { s: Symbol("x") }, "output.s", "symbol"],
  ])("rejects %s with a PermanentError naming the path", (_, value, path, what) => {
    let error: unknown;
    try {
      toJsonValue(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain(`${path} is not JSON-serializable`);
    expect((error as Error).message).toContain(what);
  });

  it("names the field it was given", () => {
    expect(() => toJsonValue({ x: 1n }, "metadata")).toThrow("metadata.x is not JSON-serializable");
  });
});
