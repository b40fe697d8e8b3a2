/** `vitest-experiments/evaluators`: ready-made evaluators, LLM-as-judge and the request cache. */
export * from "./evaluators/library/index.js";
