import { describe, expect, it } from "vitest";
import { parseVitestPhases } from "../lib/vitest-project.js";

describe("parseVitestPhases", () => {
  it("reads the total and the tests phase in seconds or milliseconds", () => {
    const output = "  Tests  10001 passed\n   Duration  12.34s (transform 1.10s, setup 0ms, import 2.87s, tests 6.90s, environment 0ms)\n";
    expect(parseVitestPhases(output)).toEqual({ durationMs: 12_340, testsMs: 6_900, importMs: 2_870 });
  });
  it("keeps a collect phase when Vitest reports one", () => {
    expect(parseVitestPhases("Duration  850ms (transform 5ms, setup 0ms, collect 40ms, tests 612ms, environment 0ms, prepare 3ms)")).toEqual({
      durationMs: 850,
      testsMs: 612,
      importMs: 0,
      collectMs: 40,
    });
  });
  it("fails loudly without a Duration line, so a workload never reports zeros", () => {
    expect(() => parseVitestPhases("no summary here")).toThrow(/no "Duration" line/);
    expect(() => parseVitestPhases("Duration  1s (transform 1ms)")).toThrow(/no "tests" phase/);
  });
});
