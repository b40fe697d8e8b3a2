import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExperimentDeclarationError } from "../../../src/declaration/errors.js";
import { normalizeEvaluators } from "../../../src/declaration/evaluators.js";
import type { ExperimentOptions } from "../../../src/declaration/options.js";
import { prepareExperiment } from "../../../src/engine/prepare.js";

const where = { experiment: "qa-baseline", file: join("evals", "qa.eval.ts") };
const names = (input: unknown) => normalizeEvaluators(input as never, where).map((e) => e.name);

function declarationError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentDeclarationError);
    const message = (error as Error).message;
    expect(message).toContain('experiment "qa-baseline"');
    expect(message).toContain(join("evals", "qa.eval.ts"));
    return message;
  }
  throw new Error("expected a declaration error");
}

describe("evaluator forms", () => {
  function exact_match() {
    return 1;
  }

  it("names a function by its function name", () => {
    expect(names(exact_match)).toEqual(["exact_match"]);
    expect(names([exact_match, function has_content() { return true; }])).toEqual(["exact_match", "has_content"]);
  });

  it("names a function by its record key first, then its name property", () => {
    expect(names({ accuracy: exact_match })).toEqual(["accuracy"]);
    const renamed = Object.defineProperty(() => 1, "name", { value: "renamed" });
    expect(names([renamed])).toEqual(["renamed"]);
    const withEvaluatorName = Object.assign(() => 1, { evaluatorName: "from_factory" });
    expect(names([withEvaluatorName])).toEqual(["from_factory"]);
  });

  it("accepts the object form { name, kind, evaluate } (phoenix-evals createEvaluator shape) unchanged", () => {
    const [evaluator] = normalizeEvaluators({ name: "judge", kind: "LLM", optimizationDirection: "MINIMIZE", evaluate: () => 0.5 } as never, where);
    expect(evaluator).toMatchObject({ name: "judge", kind: "LLM", direction: "minimize" });
    const [lower] = normalizeEvaluators([{ name: "j", kind: "llm", evaluate: () => 1 }] as never, where);
    expect(lower!.kind).toBe("LLM");
    const [neutral] = normalizeEvaluators([{ name: "n", optimizationDirection: "NEUTRAL", evaluate: () => 1 }] as never, where);
    expect(neutral).toMatchObject({ kind: "CODE", direction: "maximize" });
  });

  it("names objects in a record by their key", () => {
    expect(names({ relevance: { name: "ignored", evaluate: () => 1 } })).toEqual(["relevance"]);
  });

  it("accepts a single evaluator, a list and a record, and none", () => {
    expect(names(exact_match)).toEqual(["exact_match"]);
    expect(names({ name: "obj", evaluate: () => 1 })).toEqual(["obj"]);
    expect(names([exact_match, { name: "obj", evaluate: () => 1 }])).toEqual(["exact_match", "obj"]);
    expect(names({ a: exact_match, b: { evaluate: () => 1 } })).toEqual(["a", "b"]);
    expect(names(undefined)).toEqual([]);
  });

  it("calls the wrapped evaluator with the arguments", async () => {
    const [fn] = normalizeEvaluators({ echo: (args: { output: unknown }) => args.output } as never, where);
    const [obj] = normalizeEvaluators([{ name: "o", evaluate: (args: { output: unknown }) => args.output }] as never, where);
    expect(await fn!.evaluate({ output: 3 } as never)).toBe(3);
    expect(await obj!.evaluate({ output: 4 } as never)).toBe(4);
  });

  it("rejects an unnamed function, naming its position", () => {
    const message = declarationError(() => normalizeEvaluators([exact_match, () => 1] as never, where));
    expect(message).toContain("evaluators[1] has no name");
  });

  it("rejects an object without a name", () => {
    const message = declarationError(() => normalizeEvaluators([{ evaluate: () => 1 }] as never, where));
    expect(message).toContain("evaluators[0] has no name");
  });

  it("rejects two evaluators with one name, naming it", () => {
    const message = declarationError(() => normalizeEvaluators([exact_match, { name: "exact_match", evaluate: () => 1 }] as never, where));
    expect(message).toContain('two evaluators are named "exact_match"');
  });

  it("rejects something that is not an evaluator, and an unknown kind", () => {
    expect(declarationError(() => normalizeEvaluators({ a: 42 } as never, where))).toContain("evaluators.a is not an evaluator");
    expect(declarationError(() => normalizeEvaluators([null] as never, where))).toContain("evaluators[0] is not an evaluator");
    expect(declarationError(() => normalizeEvaluators("exact" as never, where))).toContain("evaluators must be an evaluator, a list or a record");
    expect(declarationError(() => normalizeEvaluators([{ name: "x", kind: "ROBOT", evaluate: () => 1 }] as never, where))).toContain(
      'evaluator "x" has kind "ROBOT"; expected one of CODE, LLM, HUMAN',
    );
  });

  it("reports evaluator mistakes through prepareExperiment with the experiment and file", async () => {
    const options = { dataset: { name: "ds", examples: [{ input: 1 }] }, task: () => 1, evaluators: [() => 1] } as ExperimentOptions;
    await expect(prepareExperiment("qa-baseline", options, { file: join(process.cwd(), "evals", "qa.eval.ts") })).rejects.toThrow(
      /experiment "qa-baseline" \(evals[/\\]qa\.eval\.ts\): evaluators\[0\] has no name/,
    );
  });
});
