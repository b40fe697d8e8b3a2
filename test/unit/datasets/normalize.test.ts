import { describe, expect, it } from "vitest";
import { DatasetError } from "../../../src/datasets/errors.js";
import { datasetContentHash, normalizeDataset } from "../../../src/datasets/normalize.js";
import { resolveDataset } from "../../../src/datasets/resolve.js";
import type { DatasetInput } from "../../../src/datasets/types.js";

const dataset = (examples: unknown[]): DatasetInput => ({ name: "ds", examples: examples as DatasetInput["examples"] });

describe("normalizeDataset", () => {
  it("fills every field of an example", () => {
    expect(normalizeDataset(dataset([{ id: "a", input: "x" }])).examples).toEqual([{ id: "a", input: "x", expected: null, metadata: {}, splits: [] }]);
  });

  it("gives examples without an id a content hash that is stable across key order", () => {
    const [a] = normalizeDataset(dataset([{ input: { q: 1, r: [1, { s: 2, t: 3 }] }, output: { x: 1, y: 2 }, metadata: { m: 1, n: 2 } }])).examples;
    const [b] = normalizeDataset(dataset([{ metadata: { n: 2, m: 1 }, output: { y: 2, x: 1 }, input: { r: [1, { t: 3, s: 2 }], q: 1 } }])).examples;
    expect(a!.id).toMatch(/^[0-9a-f]{16}$/);
    expect(b!.id).toBe(a!.id);
  });

  it("gives different content different ids (input, output and metadata all count; array order counts)", () => {
    const ids = normalizeDataset(
      dataset([{ input: 1 }, { input: 2 }, { input: 1, output: 1 }, { input: 1, metadata: { a: 1 } }, { input: [1, 2] }, { input: [2, 1] }]),
    ).examples.map((e) => e.id);
    expect(new Set(ids).size).toBe(6);
  });

  it("treats output and expected as the same field for the hash", () => {
    const [a, b] = [normalizeDataset(dataset([{ input: 1, output: "y" }])), normalizeDataset(dataset([{ input: 1, expected: "y" }]))];
    expect(a.examples[0]!.id).toBe(b.examples[0]!.id);
  });

  it("rejects two examples with the same content and no ids as duplicates", () => {
    expect(() => normalizeDataset(dataset([{ input: 1 }, { input: 1 }]))).toThrow(/duplicate example id "[0-9a-f]{16}" \(also example 1\)/);
  });

  it("rejects duplicate ids, naming the example", () => {
    expect(() => normalizeDataset(dataset([{ id: "a", input: 1 }, { id: "b", input: 2 }, { id: "a", input: 3 }]))).toThrow(
      'inline dataset (examples[2]): duplicate example id "a" (also example 1); ids must be unique',
    );
    // A number and its string are the same id (test names are strings).
    expect(() => normalizeDataset(dataset([{ id: 1, input: 1 }, { id: "1", input: 2 }]))).toThrow(DatasetError);
  });

  it.each([
    ["an example without input", [{ output: 1 }], 'examples[0]): example has no "input" (keys: output)'],
    ["an example with input undefined", [{ input: undefined }], 'example has no "input"'],
    ["an example that is not an object", [42], "an example must be an object with an input, got 42"],
    ["an id that is an object", [{ id: { a: 1 }, input: 1 }], "example id must be a string or a number, got object"],
    ["metadata that is an array", [{ input: 1, metadata: [1] }], "example metadata must be an object"],
    ["splits that are not names", [{ input: 1, splits: [1] }], "example splits must be a list of split names"],
    ["input that is not JSON", [{ input: { n: 1n } }], "input.n is not JSON-serializable"],
  ])("rejects %s", (_, examples, message) => {
    expect(() => normalizeDataset(dataset(examples))).toThrow(message);
  });

  it("rejects an empty dataset, one without a name and one without an examples array", () => {
    expect(() => normalizeDataset(dataset([]))).toThrow('dataset "ds" has no examples');
    expect(() => normalizeDataset({ name: "", examples: [{ input: 1 }] })).toThrow("the dataset needs a non-empty name");
    expect(() => normalizeDataset({ name: "x", examples: "nope" } as never)).toThrow('dataset "x": examples must be an array');
    expect(() => normalizeDataset(null as never)).toThrow("expected a dataset { name, examples }");
  });

  it("accepts a single split name as a string", () => {
    expect(normalizeDataset(dataset([{ input: 1, splits: "train" }])).examples[0]!.splits).toEqual(["train"]);
  });

  it("keeps the source in error messages", () => {
    expect(() => normalizeDataset({ name: "x", source: "data/x.json", examples: [] })).toThrow(/^data\/x\.json: /);
  });
});

describe("resolveDataset", () => {
  it("accepts a dataset, a promise of one, and a function returning either", async () => {
    const value = dataset([{ id: "a", input: 1 }]);
    for (const source of [value, Promise.resolve(value), () => value, async () => value]) {
      expect((await resolveDataset(source)).examples.map((e) => e.id)).toEqual(["a"]);
    }
  });

  it("wraps a loader failure in a DatasetError", async () => {
    await expect(
      resolveDataset(() => {
        throw new Error("network down");
      }),
    ).rejects.toThrow("dataset: loading the dataset failed: network down");
  });
});

describe("datasetContentHash", () => {
  it("changes when any example changes and not when key order does", () => {
    const a = normalizeDataset(dataset([{ id: "a", input: { x: 1, y: 2 } }])).examples;
    const b = normalizeDataset(dataset([{ id: "a", input: { y: 2, x: 1 } }])).examples;
    const c = normalizeDataset(dataset([{ id: "a", input: { x: 1, y: 3 } }])).examples;
    expect(datasetContentHash(a)).toBe(datasetContentHash(b));
    expect(datasetContentHash(a)).not.toBe(datasetContentHash(c));
  });
});
