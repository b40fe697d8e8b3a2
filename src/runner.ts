/** `vitest-experiments/runner`: the Vitest runner experiments need (set by `experimentsProject()`). */
export { default } from "./vitest/runner.js";
