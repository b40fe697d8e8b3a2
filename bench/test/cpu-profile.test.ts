import { describe, expect, it } from "vitest";
import { hotFunctions } from "../lib/cpu-profile.js";

describe("hotFunctions", () => {
  it("sums self time per function and sorts heaviest first, with short locations", () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: "", url: "", lineNumber: -1 } },
        { id: 2, callFrame: { functionName: "runOne", url: "file:///repo/dist/evaluators/run-evaluators.js", lineNumber: 14 } },
        { id: 3, callFrame: { functionName: "setState", url: "file:///repo/node_modules/@vitest/expect/dist/index.js", lineNumber: 751 } },
      ],
      samples: [2, 3, 2, 1],
      timeDeltas: [3000, 1000, 3000, 1000],
    };
    expect(hotFunctions(profile)).toEqual([
      { where: "runOne (dist/evaluators/run-evaluators.js:15)", selfMs: 6, share: 0.75 },
      { where: "setState (@vitest/expect/dist/index.js:752)", selfMs: 1, share: 0.125 },
      { where: "(anonymous) (native)", selfMs: 1, share: 0.125 },
    ]);
  });
});
