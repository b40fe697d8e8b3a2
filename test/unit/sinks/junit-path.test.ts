import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveJUnitPath } from "../../../src/sinks/junit/index.js";

const root = "/project";

describe("resolveJUnitPath", () => {
  it("writes nothing by default outside CI", () => {
    expect(resolveJUnitPath({ env: {}, root })).toBeUndefined();
  });

  it("defaults to reports/experiments.junit.xml when CI is set", () => {
    expect(resolveJUnitPath({ env: { CI: "true" }, root })).toBe(join(root, "reports/experiments.junit.xml"));
    expect(resolveJUnitPath({ env: { CI: "1" }, root })).toBe(join(root, "reports/experiments.junit.xml"));
  });

  it("does not treat CI=false or CI=0 as CI", () => {
    expect(resolveJUnitPath({ env: { CI: "false" }, root })).toBeUndefined();
    expect(resolveJUnitPath({ env: { CI: "0" }, root })).toBeUndefined();
    expect(resolveJUnitPath({ env: { CI: "" }, root })).toBeUndefined();
  });

  it("takes VITEST_EXPERIMENTS_JUNIT over the CI default, relative to the root", () => {
    expect(resolveJUnitPath({ env: { CI: "true", VITEST_EXPERIMENTS_JUNIT: "out/evals.xml" }, root })).toBe(join(root, "out/evals.xml"));
    expect(resolveJUnitPath({ env: { VITEST_EXPERIMENTS_JUNIT: "/abs/evals.xml" }, root })).toBe("/abs/evals.xml");
  });

  it("turns the report off with VITEST_EXPERIMENTS_JUNIT=false", () => {
    expect(resolveJUnitPath({ env: { CI: "true", VITEST_EXPERIMENTS_JUNIT: "false" }, root })).toBeUndefined();
  });

  it("takes the option over the environment", () => {
    const env = { CI: "true", VITEST_EXPERIMENTS_JUNIT: "env.xml" };
    expect(resolveJUnitPath({ option: "option.xml", env, root })).toBe(join(root, "option.xml"));
    expect(resolveJUnitPath({ option: true, env: {}, root })).toBe(join(root, "reports/experiments.junit.xml"));
    expect(resolveJUnitPath({ option: false, env, root })).toBeUndefined();
  });

  it("ignores an empty option", () => {
    expect(resolveJUnitPath({ option: "", env: { VITEST_EXPERIMENTS_JUNIT: "env.xml" }, root })).toBe(join(root, "env.xml"));
  });
});
