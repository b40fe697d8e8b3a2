import { describe, expect, it } from "vitest";
import { parseShard, resolveShard } from "../../../src/declaration/shard.js";
import { resolveRunIdentity } from "../../../src/declaration/run-identity.js";
import { declaredRunCount, forEachDeclaredRun, inShard, shardOfRun } from "../../../src/record/shard.js";
import { descriptor, examples } from "../phoenix/records.js";

describe("shard assignment", () => {
  it("puts every run on exactly one shard, about evenly, the same way every time", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) for (let rep = 1; rep <= 2; rep++) counts[shardOfRun(`ex-${i}`, rep, 4) - 1]!++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20_000);
    for (const count of counts) expect(Math.abs(count - 5000)).toBeLessThan(300);
    // Stable: a fixed assignment, not a position or a random draw.
    expect([shardOfRun("q00", 1, 4), shardOfRun("q00", 2, 4), shardOfRun("q01", 1, 4)]).toEqual([
      shardOfRun("q00", 1, 4),
      shardOfRun("q00", 2, 4),
      shardOfRun("q01", 1, 4),
    ]);
    expect(shardOfRun("anything", 3, 1)).toBe(1);
  });

  it("repetitions of one example are spread, not pinned to one shard", () => {
    const shards = new Set(Array.from({ length: 20 }, (_, i) => shardOfRun("one-example", i + 1, 4)));
    expect(shards.size).toBeGreaterThan(1);
  });

  it("a shard's descriptor declares only its share, the whole dataset otherwise", () => {
    const list = examples(30);
    const whole = descriptor("e", list, { repetitions: 2 });
    expect(declaredRunCount(whole)).toBe(60);
    let total = 0;
    for (let index = 1; index <= 3; index++) {
      const shard = { index, count: 3 };
      const runs = list.flatMap((e) => [1, 2].filter((rep) => inShard(e.id, rep, shard)).map((rep) => `${e.id}#${rep}`));
      const sharded = descriptor("e", list, { repetitions: 2, shard: { ...shard, runs: runs.length } });
      const visited: string[] = [];
      forEachDeclaredRun(sharded, (id, rep) => visited.push(`${id}#${rep}`));
      expect(visited).toEqual(runs);
      expect(declaredRunCount(sharded)).toBe(runs.length);
      total += runs.length;
    }
    expect(total).toBe(60);
  });
});

describe("shard settings", () => {
  it("reads i/N from the environment and { index, count } from the option", () => {
    expect(parseShard("2/4", "X")).toEqual({ index: 2, count: 4 });
    expect(parseShard(" 4 / 4 ", "X")).toEqual({ index: 4, count: 4 });
    expect(parseShard({ index: 1, count: 3 }, "X")).toEqual({ index: 1, count: 3 });
    expect(parseShard("1/1", "X")).toBeUndefined();
    expect(parseShard("", "X")).toBeUndefined();
    expect(resolveShard(undefined, { VITEST_EXPERIMENTS_SHARD: "3/5" })).toEqual({ index: 3, count: 5 });
    expect(resolveShard("1/2", { VITEST_EXPERIMENTS_SHARD: "3/5" })).toEqual({ index: 1, count: 2 });
  });

  it.each(["0/4", "5/4", "x", "1/0", "-1/4", "1.5/4", "2/"])("refuses %j, naming the variable", (value) => {
    expect(() => resolveShard(undefined, { VITEST_EXPERIMENTS_SHARD: value })).toThrow(`VITEST_EXPERIMENTS_SHARD is "${value}": expected "i/N"`);
  });

  it("refuses a bad option, naming the option", () => {
    expect(() => resolveShard({ index: 0, count: 2 })).toThrow("the shard option of experimentsProject() is {\"index\":0,\"count\":2}");
    expect(() => resolveShard(3 as never)).toThrow("the shard option of experimentsProject() is 3");
  });
});

describe("run identity", () => {
  it("is VITEST_EXPERIMENTS_RUN_ID, else the CI's own run", () => {
    expect(resolveRunIdentity({ VITEST_EXPERIMENTS_RUN_ID: "nightly-7", GITHUB_RUN_ID: "1" })).toBe("nightly-7");
    expect(resolveRunIdentity({ GITHUB_RUN_ID: "123", GITHUB_RUN_ATTEMPT: "2" })).toBe("github-123-2");
    expect(resolveRunIdentity({ CI_PIPELINE_ID: "55" })).toBe("gitlab-55");
    expect(resolveRunIdentity({ CIRCLE_WORKFLOW_ID: "abc" })).toBe("circleci-abc");
    expect(resolveRunIdentity({ BUILDKITE_BUILD_ID: "b-1" })).toBe("buildkite-b-1");
    expect(resolveRunIdentity({ BUILD_BUILDID: "9" })).toBe("azure-9");
    expect(resolveRunIdentity({ JENKINS_URL: "http://j", BUILD_TAG: "jenkins-job-4" })).toBe("jenkins-jenkins-job-4");
    expect(resolveRunIdentity({})).toBeUndefined();
  });
});
