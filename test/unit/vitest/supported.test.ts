import { createRequire } from "node:module";
import { describe, expect, test } from "vitest";
import { judgeVersions, resolvedVitestVersion, SUPPORTED_SUMMARY } from "../../../src/vitest/supported.js";

describe("judgeVersions", () => {
  test.each([
    ["20.19.0", "4.1.0"],
    ["20.20.2", "4.1.12"],
    ["22.12.0", "5.1.0"],
    ["22.23.3", "5.1.2"],
    ["24.21.0", "5.9.0"],
    ["v24.0.0", "5.1.2"],
  ])("Node %s with Vitest %s is proven", (node, vitest) => {
    expect(judgeVersions(node, vitest)).toEqual({ kind: "proven" });
  });

  test("the CLI alone (no Vitest) is judged on Node only", () => {
    expect(judgeVersions("22.23.3", undefined)).toEqual({ kind: "proven" });
    expect(judgeVersions("18.20.4", undefined)).toEqual({
      kind: "unsupported",
      message: `vitest-experiments needs Node 20.19.0 or later: it supports ${SUPPORTED_SUMMARY} (found Node 18.20.4).`,
    });
  });

  test("Vitest 3 stops with one message naming what is supported and what was found", () => {
    expect(judgeVersions("20.20.2", "3.2.7")).toEqual({
      kind: "unsupported",
      message: `vitest-experiments needs Vitest 4.1.0 or later: it supports ${SUPPORTED_SUMMARY} (found Node 20.20.2 with Vitest 3.2.7).`,
    });
    expect(judgeVersions("20.20.2", "4.0.18").kind).toBe("unsupported");
  });

  test("Node 18 with Vitest 3 names both", () => {
    const verdict = judgeVersions("18.20.4", "3.2.7");
    expect(verdict.kind).toBe("unsupported");
    expect(verdict.kind === "unsupported" && verdict.message).toContain("needs Node 20.19.0 or later and Vitest 4.1.0 or later");
  });

  test.each([
    ["22.23.3", "4.1.12"],
    ["20.20.2", "5.1.2"],
    ["26.1.0", "5.1.2"],
    ["24.21.0", "6.0.0"],
    ["22.23.3", "5.0.4"],
    ["22.11.0", "5.1.2"],
  ])("Node %s with Vitest %s is unproven: a warning that names the supported matrix", (node, vitest) => {
    const verdict = judgeVersions(node, vitest);
    expect(verdict).toEqual({ kind: "unproven", message: `vitest-experiments is tested on ${SUPPORTED_SUMMARY}; found Node ${node} with Vitest ${vitest}, which may work but is not tested.` });
  });
});

test("resolvedVitestVersion reads the Vitest this package imports", () => {
  const { version } = createRequire(import.meta.url)("vitest/package.json") as { version: string };
  expect(resolvedVitestVersion()).toMatch(/^\d+\.\d+\.\d+/);
  expect(resolvedVitestVersion()).toBe(version);
});
