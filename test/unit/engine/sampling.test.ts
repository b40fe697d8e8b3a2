import { describe, expect, it } from "vitest";
import { prepareExperiment } from "../../../src/engine/prepare.js";
import { sample, seededRandom } from "../../../src/engine/sampling.js";

const items = Array.from({ length: 50 }, (_, i) => `x${i}`);

describe("sample", () => {
  it("returns n distinct items in their original order", () => {
    const picked = sample(items, 10, 7);
    expect(picked).toHaveLength(10);
    expect(new Set(picked).size).toBe(10);
    expect(picked).toEqual([...picked].sort((a, b) => items.indexOf(a) - items.indexOf(b)));
  });

  it("is reproducible from its seed", () => {
    expect(sample(items, 10, 1234)).toEqual(sample(items, 10, 1234));
  });

  it("differs between seeds", () => {
    const samples = new Set([1, 2, 3, 4, 5].map((seed) => sample(items, 5, seed).join(",")));
    expect(samples.size).toBeGreaterThan(1);
  });

  it("is not simply the first n items", () => {
    const firsts = [1, 2, 3, 4, 5].map((seed) => sample(items, 5, seed).join(","));
    expect(firsts.every((s) => s === items.slice(0, 5).join(","))).toBe(false);
  });

  it("clamps n to the number of items and to zero", () => {
    expect(sample(items.slice(0, 3), 10, 1)).toEqual(["x0", "x1", "x2"]);
    expect(sample(items, 0, 1)).toEqual([]);
    expect(sample(items, -3, 1)).toEqual([]);
  });

  it("draws every item eventually (uniform, not stuck on a subset)", () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 200; seed++) for (const item of sample(items, 3, seed)) seen.add(item);
    expect(seen.size).toBe(items.length);
  });

  it("seededRandom yields numbers in [0, 1) and repeats for the same seed", () => {
    const a = seededRandom(99);
    const b = seededRandom(99);
    for (let i = 0; i < 100; i++) {
      const value = a();
      expect(value).toBe(b());
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});

describe("dry runs through prepareExperiment", () => {
  const dataset = { name: "ds", examples: items.map((id) => ({ id, input: id })) };
  const task = () => "ok";

  it("dryRun: true runs exactly one example and records the seed", async () => {
    const prepared = await prepareExperiment("dry", { dataset, task, dryRun: true, seed: 5 });
    expect(prepared.examples).toHaveLength(1);
    expect(prepared.descriptor.dryRun).toEqual({ sampled: 1, seed: 5 });
    expect(prepared.descriptor.dataset.totalExamples).toBe(50);
    expect(prepared.descriptor.dataset.exampleIds).toEqual(prepared.examples.map((e) => e.id));
  });

  it("dryRun: n runs n distinct examples in dataset order; the same seed gives the same sample", async () => {
    const a = await prepareExperiment("dry", { dataset, task, dryRun: 8, seed: 42 });
    const b = await prepareExperiment("dry", { dataset, task, dryRun: 8, seed: 42 });
    const ids = a.examples.map((e) => e.id);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
    expect(ids).toEqual([...ids].sort((x, y) => items.indexOf(x) - items.indexOf(y)));
    expect(b.examples.map((e) => e.id)).toEqual(ids);
  });

  it("without a seed picks one at random and records it, so the sample can be repeated", async () => {
    const first = await prepareExperiment("dry", { dataset, task, dryRun: 4 });
    const seed = first.descriptor.dryRun!.seed;
    expect(Number.isInteger(seed)).toBe(true);
    const again = await prepareExperiment("dry", { dataset, task, dryRun: 4, seed });
    expect(again.examples.map((e) => e.id)).toEqual(first.examples.map((e) => e.id));
  });

  it("the overrides (environment) replace the declared dryRun and seed", async () => {
    const prepared = await prepareExperiment("dry", { dataset, task }, { overrides: { dryRun: 3, seed: 9 } });
    expect(prepared.descriptor.dryRun).toEqual({ sampled: 3, seed: 9 });
  });

  it("a regular run takes every example in order and is not a dry run", async () => {
    const prepared = await prepareExperiment("full", { dataset, task });
    expect(prepared.examples.map((e) => e.id)).toEqual(items);
    expect(prepared.descriptor.dryRun).toBeNull();
  });
});
