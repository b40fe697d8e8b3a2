import { describe, expect, it } from "vitest";
import * as entry from "../../../src/evaluators.js";

describe("vitest-experiments/evaluators", () => {
  it("exports the library, the judges and the cache helpers", () => {
    const expected = [
      "exactMatch", "contains", "containsAll", "containsAny", "regex", "jsonParseable", "jsonSchema", "levenshtein",
      "numericCloseness", "tokenF1", "latency", "attempts", "all", "any",
      "llmJudge", "correctnessJudge", "relevanceJudge", "faithfulnessJudge", "refusalJudge", "JudgeReplyError",
      "createChatCompletion", "ChatCompletionHttpError",
      "cached", "createCachingFetch", "configureCache", "getCacheStats", "resetCacheStats", "withCacheScope",
      "EvaluatorConfigError", "EvaluatorInputError",
    ];
    for (const name of expected) expect(typeof (entry as Record<string, unknown>)[name], name).toBe("function");
  });

  it("gives every code evaluator its documented snake_case default name", () => {
    const names = [
      entry.exactMatch(), entry.contains("x"), entry.containsAll(["x"]), entry.containsAny(["x"]), entry.regex(/x/),
      entry.jsonParseable(), entry.jsonSchema({ type: "object" }), entry.levenshtein(), entry.numericCloseness(), entry.tokenF1(),
      entry.latency(), entry.attempts(), entry.all([entry.exactMatch()]), entry.any([entry.exactMatch()]),
    ].map((evaluator) => evaluator.name);
    expect(names).toEqual([
      "exact_match", "contains", "contains_all", "contains_any", "regex", "json_parseable", "json_schema", "levenshtein",
      "numeric_closeness", "token_f1", "latency", "attempts", "all", "any",
    ]);
  });
});
