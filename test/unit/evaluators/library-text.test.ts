import { describe, expect, it } from "vitest";
import { contains, containsAll, containsAny, exactMatch, levenshtein, regex, tokenF1 } from "../../../src/evaluators/library/index.js";
import { evaluatorArgs } from "./args.js";

describe("exactMatch", () => {
  it("is a CODE evaluator named exact_match that maximizes", () => {
    const evaluator = exactMatch();
    expect(evaluator).toMatchObject({ name: "exact_match", kind: "CODE", optimizationDirection: "maximize" });
    expect(exactMatch({ name: "city" }).name).toBe("city");
  });

  it("scores 1 with label pass on equal text", async () => {
    expect(await exactMatch().evaluate(evaluatorArgs({ output: "Paris", expected: "Paris" }))).toEqual({
      score: 1,
      label: "pass",
      explanation: 'output matches "Paris" (case-sensitive)',
    });
  });

  it("explains a mismatch with both values and the comparison mode", async () => {
    const result = await exactMatch().evaluate(evaluatorArgs({ output: "paris, France", expected: "Paris" }));
    expect(result).toMatchObject({ score: 0, label: "fail" });
    expect(result?.explanation).toBe('expected "Paris" but got "paris, France" (case-sensitive)');
  });

  it("ignores case and whitespace when asked", async () => {
    const evaluator = exactMatch({ caseSensitive: false, normalizeWhitespace: true });
    const result = await evaluator.evaluate(evaluatorArgs({ output: "  new\n york ", expected: "New York" }));
    expect(result).toMatchObject({ score: 1, explanation: 'output matches "New York" (case-insensitive, whitespace normalised)' });
    expect((await exactMatch().evaluate(evaluatorArgs({ output: "new york", expected: "New York" })))?.score).toBe(0);
  });

  it("reads dotted key paths in output and expected, parsing JSON text output", async () => {
    const evaluator = exactMatch({ outputKey: "result.city", expectedKey: "answer" });
    expect((await evaluator.evaluate(evaluatorArgs({ output: { result: { city: "Rome" } }, expected: { answer: "Rome" } })))?.score).toBe(1);
    expect((await evaluator.evaluate(evaluatorArgs({ output: '{"result":{"city":"Rome"}}', expected: { answer: "Rome" } })))?.score).toBe(1);
    const items = exactMatch({ outputKey: "items.1" });
    expect((await items.evaluate(evaluatorArgs({ output: { items: ["a", "b"] }, expected: "b" })))?.score).toBe(1);
  });

  it("scores 0 when the output lacks the key, naming the missing path", async () => {
    const result = await exactMatch({ outputKey: "result.city" }).evaluate(evaluatorArgs({ output: { result: {} }, expected: "Rome" }));
    expect(result).toMatchObject({ score: 0, explanation: 'output has no "result.city": got {"result":{}}' });
  });

  it("throws when the expected output lacks expectedKey: a dataset bug is not a low score", async () => {
    await expect(exactMatch({ expectedKey: "answer" }).evaluate(evaluatorArgs({ output: "x", expected: { city: "Rome" }, exampleId: "q7" }))).rejects.toThrow(
      'exact_match (example q7): the expected output has no "answer" (expectedKey "answer"); got {"city":"Rome"}',
    );
  });

  it("hints at expectedKey when comparing text to an object", async () => {
    const result = await exactMatch().evaluate(evaluatorArgs({ output: "Rome", expected: { answer: "Rome" } }));
    expect(result?.explanation).toContain('set expectedKey to one of "answer"');
  });

  it("compares objects structurally and numbers against numeric text", async () => {
    expect((await exactMatch().evaluate(evaluatorArgs({ output: { a: [1, 2] }, expected: { a: [1, 2] } })))?.score).toBe(1);
    expect((await exactMatch().evaluate(evaluatorArgs({ output: { a: [2, 1] }, expected: { a: [1, 2] } })))?.score).toBe(0);
    expect((await exactMatch().evaluate(evaluatorArgs({ output: 42, expected: "42" })))?.score).toBe(1);
  });

  it("compares against a fixed value", async () => {
    expect((await exactMatch({ value: "yes" }).evaluate(evaluatorArgs({ output: "yes", expected: "ignored" })))?.score).toBe(1);
  });

  it("rejects a malformed key path at declaration", () => {
    expect(() => exactMatch({ outputKey: "a..b" })).toThrow('exact_match: "outputKey" must be a dotted key path');
    expect(() => exactMatch({ name: "" })).toThrow('exact_match: "name" must be a non-empty string');
  });
});

describe("contains family", () => {
  it("contains finds a fixed text, case-sensitive by default", async () => {
    const evaluator = contains("Paris");
    expect(evaluator.name).toBe("contains");
    expect(await evaluator.evaluate(evaluatorArgs({ output: "It is Paris." }))).toMatchObject({ score: 1, label: "pass" });
    const miss = await evaluator.evaluate(evaluatorArgs({ output: "it is paris." }));
    expect(miss).toMatchObject({ score: 0, explanation: 'output is missing "Paris" (case-sensitive): got "it is paris."' });
    expect((await contains("Paris", { caseSensitive: false }).evaluate(evaluatorArgs({ output: "it is paris." })))?.score).toBe(1);
  });

  it("contains reads the text to find from the expected output", async () => {
    const evaluator = contains({ expectedKey: "city" });
    expect((await evaluator.evaluate(evaluatorArgs({ output: "Rome, Italy", expected: { city: "Rome" } })))?.score).toBe(1);
    await expect(contains().evaluate(evaluatorArgs({ output: "x", expected: 3 }))).rejects.toThrow("contains (example ex-1): expected the expected output to be a non-empty string");
  });

  it("containsAll lists what is missing", async () => {
    const evaluator = containsAll(["alpha", "beta", "gamma"]);
    expect(evaluator.name).toBe("contains_all");
    const result = await evaluator.evaluate(evaluatorArgs({ output: "alpha and gamma" }));
    expect(result).toMatchObject({ score: 0, metadata: { found: ["alpha", "gamma"], missing: ["beta"] } });
    expect(result?.explanation).toBe('output is missing "beta" (found "alpha", "gamma") (case-sensitive): got "alpha and gamma"');
    expect((await evaluator.evaluate(evaluatorArgs({ output: "gamma beta alpha" })))?.score).toBe(1);
  });

  it("containsAny passes on one hit and takes a list from the expected output", async () => {
    const evaluator = containsAny({ expectedKey: "synonyms", caseSensitive: false });
    expect(evaluator.name).toBe("contains_any");
    expect((await evaluator.evaluate(evaluatorArgs({ output: "A Car", expected: { synonyms: ["auto", "car"] } })))?.score).toBe(1);
    const miss = await evaluator.evaluate(evaluatorArgs({ output: "bike", expected: { synonyms: ["auto", "car"] } }));
    expect(miss?.explanation).toBe('output contains none of "auto", "car" (case-insensitive): got "bike"');
  });

  it("rejects empty needles at declaration", () => {
    expect(() => containsAll([])).toThrow("contains_all: expected a non-empty string or a non-empty list");
    expect(() => contains("")).toThrow("contains: expected a non-empty string");
  });
});

describe("regex", () => {
  it("matches a pattern and reports the match", async () => {
    const evaluator = regex(/\d{3}-\d{4}/);
    expect(evaluator.name).toBe("regex");
    expect(await evaluator.evaluate(evaluatorArgs({ output: "call 555-1234 now" }))).toMatchObject({ score: 1, metadata: { match: "555-1234" } });
    expect((await evaluator.evaluate(evaluatorArgs({ output: "no number" })))?.explanation).toBe('output does not match /\\d{3}-\\d{4}/: got "no number"');
  });

  it("supports string patterns with flags and full matches", async () => {
    const evaluator = regex("^yes|no$", { flags: "i", fullMatch: true });
    expect((await evaluator.evaluate(evaluatorArgs({ output: "YES" })))?.score).toBe(1);
    expect((await evaluator.evaluate(evaluatorArgs({ output: "yes please" })))?.score).toBe(0);
  });

  it("gives the same answer on every call with a global pattern", async () => {
    const evaluator = regex(/a/g);
    for (let index = 0; index < 3; index++) expect((await evaluator.evaluate(evaluatorArgs({ output: "a" })))?.score).toBe(1);
  });

  it("throws at declaration on an invalid pattern, naming it", () => {
    expect(() => regex("(unclosed", { name: "format" })).toThrow(/^format: invalid regular expression "\(unclosed": .*Unterminated group/);
  });
});

describe("levenshtein", () => {
  it("is 1 for identical texts and decreases with edits", async () => {
    const evaluator = levenshtein();
    expect(await evaluator.evaluate(evaluatorArgs({ output: "kitten", expected: "kitten" }))).toMatchObject({ score: 1, label: "identical" });
    const result = await evaluator.evaluate(evaluatorArgs({ output: "sitting", expected: "kitten" }));
    expect(result?.score).toBeCloseTo(1 - 3 / 7);
    expect(result).toMatchObject({ label: "similar", metadata: { distance: 3 } });
    expect(result?.explanation).toBe('3 edits from "kitten" to "sitting" over 7 characters (case-sensitive)');
    expect((await evaluator.evaluate(evaluatorArgs({ output: "abc", expected: "xyz" })))?.score).toBe(0);
    expect((await evaluator.evaluate(evaluatorArgs({ output: "", expected: "" })))?.score).toBe(1);
  });

  it("normalises case when asked", async () => {
    expect((await levenshtein({ caseSensitive: false }).evaluate(evaluatorArgs({ output: "PARIS", expected: "paris" })))?.score).toBe(1);
  });
});

describe("tokenF1", () => {
  it("uses SQuAD normalisation: case, punctuation and articles do not count", async () => {
    const evaluator = tokenF1();
    expect(evaluator.name).toBe("token_f1");
    expect(await evaluator.evaluate(evaluatorArgs({ output: "The Eiffel Tower!", expected: "eiffel tower" }))).toMatchObject({ score: 1, label: "exact" });
  });

  it("computes token-overlap F1 and explains precision and recall", async () => {
    const result = await tokenF1().evaluate(evaluatorArgs({ output: "in the year 1889", expected: "1889" }));
    // predicted tokens: in, year, 1889 (3); gold: 1889 (1); common 1 → P 1/3, R 1, F1 0.5
    expect(result?.score).toBeCloseTo(0.5);
    expect(result?.label).toBe("partial");
    expect(result?.explanation).toBe('F1 0.500 against "1889" (precision 0.333, recall 1.000) for output "in the year 1889"');
  });

  it("takes the best of several acceptable answers", async () => {
    const result = await tokenF1({ expectedKey: "answers" }).evaluate(evaluatorArgs({ output: "Paris", expected: { answers: ["City of Light", "Paris"] } }));
    expect(result?.score).toBe(1);
  });

  it("scores 0 with no overlap", async () => {
    expect(await tokenF1().evaluate(evaluatorArgs({ output: "London", expected: "Paris" }))).toMatchObject({ score: 0, label: "no_overlap" });
  });
});
