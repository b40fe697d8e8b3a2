import { describe, expect, it } from "vitest";
import { all, any, attempts, exactMatch, jsonParseable, jsonSchema, latency, numericCloseness, tokenF1 } from "../../../src/evaluators/library/index.js";
import { evaluatorArgs } from "./args.js";

describe("jsonParseable", () => {
  it("passes JSON text and JSON values, fails other text with the parser's reason", async () => {
    const evaluator = jsonParseable();
    expect(evaluator.name).toBe("json_parseable");
    expect(await evaluator.evaluate(evaluatorArgs({ output: '{"a":1}' }))).toMatchObject({ score: 1, explanation: "output parses as JSON" });
    expect(await evaluator.evaluate(evaluatorArgs({ output: { a: 1 } }))).toMatchObject({ score: 1, explanation: "output is already a JSON value" });
    const bad = await evaluator.evaluate(evaluatorArgs({ output: "{a:1}" }));
    expect(bad).toMatchObject({ score: 0, label: "fail" });
    expect(bad?.explanation).toMatch(/^output is not valid JSON \(.+\): got "\{a:1\}"$/);
  });

  it("rejects a code fence unless told to strip it, and says how", async () => {
    const fenced = '```json\n{"a":1}\n```';
    const strict = await jsonParseable().evaluate(evaluatorArgs({ output: fenced }));
    expect(strict?.score).toBe(0);
    expect(strict?.explanation).toContain("pass stripCodeFences: true");
    expect((await jsonParseable({ stripCodeFences: true }).evaluate(evaluatorArgs({ output: fenced })))?.score).toBe(1);
  });
});

describe("jsonSchema", () => {
  const schema = {
    type: "object",
    properties: { name: { type: "string" }, age: { type: "integer", minimum: 0 }, email: { type: "string", format: "email" } },
    required: ["name", "age"],
    additionalProperties: false,
  };

  it("passes valid output, parsing JSON text first", async () => {
    const evaluator = jsonSchema(schema);
    expect(evaluator.name).toBe("json_schema");
    expect((await evaluator.evaluate(evaluatorArgs({ output: { name: "Ada", age: 36 } })))?.score).toBe(1);
    expect((await evaluator.evaluate(evaluatorArgs({ output: '{"name":"Ada","age":36}' })))?.score).toBe(1);
  });

  it("lists every violation with its path", async () => {
    const result = await jsonSchema(schema).evaluate(evaluatorArgs({ output: { age: 1.5, email: "nope", extra: true } }));
    expect(result).toMatchObject({ score: 0, label: "fail" });
    expect(result?.explanation).toContain("output must have required property 'name'");
    expect(result?.explanation).toContain("output/age must be integer");
    expect(result?.explanation).toContain('output/email must match format "email"');
    expect(result?.explanation).toContain('output has unexpected property "extra"');
  });

  it("supports draft 2020-12 schemas", async () => {
    const evaluator = jsonSchema({ $schema: "https://json-schema.org/draft/2020-12/schema", type: "array", prefixItems: [{ type: "number" }] });
    expect((await evaluator.evaluate(evaluatorArgs({ output: [1] })))?.score).toBe(1);
    expect((await evaluator.evaluate(evaluatorArgs({ output: ["x"] })))?.score).toBe(0);
  });

  it("throws at declaration on an invalid or misspelt schema", () => {
    expect(() => jsonSchema({ type: "nonsense" })).toThrow(/^json_schema: invalid JSON Schema: /);
    expect(() => jsonSchema({ type: "object", requried: ["a"] }, { name: "shape" })).toThrow(/^shape: invalid JSON Schema: .*requried/);
    expect(() => jsonSchema("not a schema" as never)).toThrow('json_schema: expected a JSON Schema object, got "not a schema"');
  });
});

describe("numericCloseness", () => {
  it("accepts values within the absolute or relative tolerance", async () => {
    const evaluator = numericCloseness({ absolute: 0.5 });
    expect(evaluator.name).toBe("numeric_closeness");
    expect((await evaluator.evaluate(evaluatorArgs({ output: 10.4, expected: 10 })))?.score).toBe(1);
    const miss = await evaluator.evaluate(evaluatorArgs({ output: 10.6, expected: 10 }));
    expect(miss).toMatchObject({ score: 0, label: "fail" });
    expect(miss?.explanation).toMatch(/^expected 10 ± 0.5 but got 10.6 \(off by 0.59+\d*\)$/);
    const relative = numericCloseness({ relative: 0.01 });
    expect((await relative.evaluate(evaluatorArgs({ output: 1005, expected: 1000 })))?.score).toBe(1);
    expect((await relative.evaluate(evaluatorArgs({ output: 1011, expected: 1000 })))?.score).toBe(0);
  });

  it("reads numbers from text output and scores non-numbers 0", async () => {
    const evaluator = numericCloseness({ outputKey: "total", expectedKey: "total" });
    expect((await evaluator.evaluate(evaluatorArgs({ output: { total: "1,234.5" }, expected: { total: 1234.5 } })))?.score).toBe(1);
    const words = await evaluator.evaluate(evaluatorArgs({ output: { total: "about 1200" }, expected: { total: 1234.5 } }));
    expect(words).toMatchObject({ score: 0, explanation: 'output is not a number: got "about 1200"' });
  });

  it("throws when the expected value is not a number, and on bad tolerances at declaration", async () => {
    await expect(numericCloseness().evaluate(evaluatorArgs({ output: 1, expected: "many" }))).rejects.toThrow(
      'numeric_closeness (example ex-1): the expected output must be a number, got "many"',
    );
    expect(() => numericCloseness({ absolute: -1 })).toThrow('numeric_closeness: "absolute" must be a finite number ≥ 0, got -1');
  });
});

describe("latency and attempts", () => {
  it("latency reads the run's latency and minimizes", async () => {
    const evaluator = latency();
    expect(evaluator).toMatchObject({ name: "latency", optimizationDirection: "minimize" });
    expect(await evaluator.evaluate(evaluatorArgs({ output: "x", latencyMs: 1234 }))).toMatchObject({ score: 1234, label: null, explanation: "task took 1234 ms" });
    expect((await latency({ unit: "s" }).evaluate(evaluatorArgs({ output: "x", latencyMs: 1500 })))?.score).toBe(1.5);
  });

  it("attempts counts tries, leaving out rate-limited ones unless asked", async () => {
    const args = evaluatorArgs({ output: "x", attempts: [{ error: "boom" }, { error: "429", rateLimited: true }, { error: "timeout", timedOut: true }, {}] });
    const result = await attempts().evaluate(args);
    expect(attempts().optimizationDirection).toBe("minimize");
    expect(result).toMatchObject({ score: 3, metadata: { total: 4, rateLimited: 1, timedOut: 1, failed: 2 } });
    expect(result?.explanation).toBe("task succeeded after 4 attempts (2 failed, 1 timed out, 1 rate-limited); rate-limited attempts are not counted");
    expect((await attempts({ countRateLimited: true }).evaluate(args))?.score).toBe(4);
  });
});

describe("all / any", () => {
  it("all passes only when every child passes and names the failures", async () => {
    const evaluator = all([exactMatch({ caseSensitive: false }), { evaluator: tokenF1(), threshold: 0.5 }, function non_empty({ output }) { return Boolean(output); }]);
    expect(evaluator).toMatchObject({ name: "all", kind: "CODE" });
    expect(await evaluator.evaluate(evaluatorArgs({ output: "paris", expected: "Paris" }))).toMatchObject({ score: 1, label: "pass" });
    const result = await evaluator.evaluate(evaluatorArgs({ output: "paris france", expected: "Paris" }));
    expect(result).toMatchObject({ score: 0, label: "fail", metadata: { exact_match: 0, token_f1: expect.closeTo(2 / 3), non_empty: 1 } });
    expect(result?.explanation).toBe('1 of 3 checks failed: exact_match failed (0): expected "Paris" but got "paris france" (case-insensitive)');
  });

  it("any passes when one child passes", async () => {
    const evaluator = any([exactMatch({ value: "yes" }), exactMatch({ value: "y", name: "short_yes" })], { name: "affirmative" });
    expect(evaluator.name).toBe("affirmative");
    expect((await evaluator.evaluate(evaluatorArgs({ output: "y" })))?.explanation).toBe('1 of 2 checks passed: short_yes passed (1): output matches "y" (case-sensitive)');
    expect((await evaluator.evaluate(evaluatorArgs({ output: "no" })))?.score).toBe(0);
  });

  it("compares minimized children with ≤ and demands a bar for them", async () => {
    expect(() => all([latency()])).toThrow('all: child "latency" is minimized (lower is better): give it a bar, { evaluator, threshold }');
    const fast = all([{ evaluator: latency(), threshold: 500 }]);
    expect((await fast.evaluate(evaluatorArgs({ output: "x", latencyMs: 400 })))?.score).toBe(1);
    expect((await fast.evaluate(evaluatorArgs({ output: "x", latencyMs: 600 })))?.explanation).toBe("1 of 1 checks failed: latency failed (600, bar ≤ 500): task took 600 ms");
  });

  it("is LLM when a child is, so the engine retries it", () => {
    expect(any([exactMatch(), { name: "judge", kind: "LLM", evaluate: () => 1 }]).kind).toBe("LLM");
  });

  it("refuses a child that returns only a label, and an empty list", async () => {
    await expect(all([() => "maybe"]).evaluate(evaluatorArgs({ output: "x" }))).rejects.toThrow('all: child "#1" returned "maybe", which has no numeric score');
    expect(() => all([])).toThrow("all: expected a non-empty list of evaluators");
  });
});
