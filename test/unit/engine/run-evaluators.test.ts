import { describe, expect, it } from "vitest";
import type { ExperimentOptions } from "../../../src/declaration/options.js";
import { ExperimentExecutor } from "../../../src/engine/executor.js";
import { prepareExperiment } from "../../../src/engine/prepare.js";
import { InvalidResultError, normalizeResult } from "../../../src/evaluators/normalize-result.js";
import type { EvaluationRecord } from "../../../src/record/types.js";

describe("normalizeResult", () => {
  const empty = { score: null, label: null, explanation: null, metadata: {} };
  it.each([
    ["a number", 0.25, { ...empty, score: 0.25 }],
    // Labelled as Phoenix's Python client labels them (str(bool)).
    ["true", true, { ...empty, score: 1, label: "True" }],
    ["false", false, { ...empty, score: 0, label: "False" }],
    ["a label", "relevant", { ...empty, label: "relevant" }],
    ["null", null, empty],
    ["undefined", undefined, empty],
    ["a score object", { score: 0.5, explanation: "half right" }, { ...empty, score: 0.5, explanation: "half right" }],
    ["a label object", { label: "toxic", metadata: { model: "m" } }, { ...empty, label: "toxic", metadata: { model: "m" } }],
    ["a boolean score", { score: true, label: "pass" }, { ...empty, score: 1, label: "pass" }],
    ["a full object", { score: 0, label: "no", explanation: "wrong", metadata: { a: [1] } }, { score: 0, label: "no", explanation: "wrong", metadata: { a: [1] } }],
  ])("reads %s", (_, value, expected) => {
    expect(normalizeResult(value)).toEqual(expected);
  });

  it.each([
    ["NaN", Number.NaN, "score must be a finite number, got NaN"],
    ["Infinity", Number.POSITIVE_INFINITY, "score must be a finite number, got Infinity"],
    ["an object with neither score nor label", { explanation: "hmm" }, "result object has neither a score nor a label (keys: explanation)"],
    ["an empty object", {}, "keys: none"],
    ["an array", [1], "got an array"],
    ["a function", () => 1, "got function"],
    ["a string score", { score: "0.5" }, "score must be a number, got string 0.5"],
    ["a numeric label", { label: 3 }, "label must be a string, got number 3"],
    ["a NaN score in an object", { score: Number.NaN }, "score must be a finite number, got NaN"],
    ["array metadata", { score: 1, metadata: [1] }, "metadata must be a plain object"],
  ])("rejects %s", (_, value, message) => {
    expect(() => normalizeResult(value)).toThrow(InvalidResultError);
    expect(() => normalizeResult(value)).toThrow(message);
  });
});

/** Runs one example through the real engine with the given evaluators and returns its evaluations. */
async function evaluate(evaluators: ExperimentOptions["evaluators"], extra: Partial<ExperimentOptions> = {}): Promise<EvaluationRecord[]> {
  const prepared = await prepareExperiment("evaluators", {
    dataset: { name: "ds", examples: [{ id: "a", input: { q: "2+2" }, output: "4", metadata: { topic: "math" } }] },
    task: () => "4",
    evaluators,
    retryDelay: 0,
    ...extra,
  });
  const outcome = await new ExperimentExecutor(prepared).run(prepared.examples[0]!, 1);
  if (outcome.kind !== "run") throw new Error("skipped");
  return outcome.record.evaluations;
}

describe("running evaluators", () => {
  it("passes input, output, expected, reference, metadata, example and the run", async () => {
    let args: Record<string, unknown> | undefined;
    await evaluate({
      capture: (a) => {
        args = a as unknown as Record<string, unknown>;
        return 1;
      },
    });
    expect(args).toMatchObject({ input: { q: "2+2" }, output: "4", expected: "4", reference: "4", metadata: { topic: "math" }, example: { id: "a" } });
    expect(args!.run).toMatchObject({ exampleId: "a", repetition: 1, status: "ok", output: "4" });
    expect(args!.signal).toBeInstanceOf(AbortSignal);
  });

  it("records one evaluation per evaluator with its name, kind, score, label and explanation", async () => {
    const evaluations = await evaluate([
      function exact({ output, expected }) {
        return output === expected;
      },
      { name: "judge", kind: "LLM", evaluate: () => ({ score: 0.5, label: "partly", explanation: "close", metadata: { tokens: 3 } }) },
      function label_only() {
        return "math";
      },
      function no_opinion() {
        return null;
      },
    ]);
    expect(evaluations.map(({ name, kind, score, label, explanation, error, metadata }) => ({ name, kind, score, label, explanation, error, metadata }))).toEqual([
      { name: "exact", kind: "CODE", score: 1, label: "True", explanation: null, error: null, metadata: {} },
      { name: "judge", kind: "LLM", score: 0.5, label: "partly", explanation: "close", error: null, metadata: { tokens: 3 } },
      { name: "label_only", kind: "CODE", score: null, label: "math", explanation: null, error: null, metadata: {} },
      { name: "no_opinion", kind: "CODE", score: null, label: null, explanation: null, error: null, metadata: {} },
    ]);
  });

  it("records an error for a throwing evaluator and still runs the others", async () => {
    const evaluations = await evaluate({
      broken: () => {
        throw new Error("judge unavailable");
      },
      fine: () => 1,
      async rejects() {
        throw new TypeError("bad");
      },
    });
    expect(evaluations.map((e) => [e.name, e.score, e.error])).toEqual([
      ["broken", null, "judge unavailable"],
      ["fine", 1, null],
      ["rejects", null, "bad"],
    ]);
  });

  it.each([
    ["NaN", Number.NaN],
    ["Infinity", Number.NEGATIVE_INFINITY],
    ["an object with neither score nor label", { explanation: "?" }],
  ])("records an evaluation error for a result that is %s", async (_, value) => {
    const [evaluation] = await evaluate({ odd: () => value as never });
    expect(evaluation).toMatchObject({ name: "odd", score: null, error: expect.any(String) });
  });

  it("times an evaluator out at evaluatorTimeout without holding the run", async () => {
    const evaluations = await evaluate({ hangs: () => new Promise(() => {}), quick: () => 1 }, { evaluatorTimeout: 30 });
    expect(evaluations[0]).toMatchObject({ name: "hangs", score: null, error: "evaluator hangs timed out after 30 ms" });
    expect(evaluations[1]).toMatchObject({ name: "quick", score: 1, error: null });
  });

  it("runs a code evaluator once (no retries), an LLM evaluator with the task's retries", async () => {
    let codeCalls = 0;
    let llmCalls = 0;
    const evaluations = await evaluate(
      {
        code: () => {
          codeCalls++;
          throw new Error("deterministic");
        },
        llm: {
          name: "llm",
          kind: "LLM",
          evaluate: () => {
            if (++llmCalls < 3) throw new Error("provider hiccup");
            return 1;
          },
        },
      },
      { retries: 3 },
    );
    expect(codeCalls).toBe(1);
    expect(llmCalls).toBe(3);
    expect(evaluations.map((e) => e.error)).toEqual(["deterministic", null]);
  });

  it("gives every evaluator its own copies: one mutating its arguments changes nothing for the next", async () => {
    const seen: unknown[] = [];
    await evaluate([
      function mutator({ input, output }) {
        (input as { q: string }).q = "changed";
        seen.push(output);
        return 1;
      },
      function reader({ input }) {
        seen.push(structuredClone(input));
        return 1;
      },
    ]);
    expect(seen).toEqual(["4", { q: "2+2" }]);
  });

  it("runs no evaluator on a run whose task failed", async () => {
    let called = false;
    const evaluations = await evaluate(
      {
        never: () => {
          called = true;
          return 1;
        },
      },
      { task: () => Promise.reject(new Error("down")), retries: 0 },
    );
    expect(evaluations).toEqual([]);
    expect(called).toBe(false);
  });
});
