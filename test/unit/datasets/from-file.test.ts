import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetError } from "../../../src/datasets/errors.js";
import { fromFile } from "../../../src/datasets/from-file.js";
import { filterSplits } from "../../../src/datasets/normalize.js";
import { resolveDataset } from "../../../src/datasets/resolve.js";
import type { FromFileOptions } from "../../../src/datasets/from-file.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vx-datasets-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** Loads and normalises a dataset file the way an experiment does. */
async function load(name: string, content: string, options?: FromFileOptions) {
  return resolveDataset(fromFile(await fixture(name, content), options));
}

async function loadError(name: string, content: string, options?: FromFileOptions): Promise<string> {
  try {
    await load(name, content, options);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return (error as Error).message;
  }
  throw new Error(`expected ${name} to be rejected`);
}

describe("datasets.fromFile: .json", () => {
  it("reads an array of examples, named after the file", async () => {
    const dataset = await load("qa.json", JSON.stringify([{ id: "q1", input: { question: "2+2?" }, output: { answer: "4" }, metadata: { level: 1 } }]));
    expect(dataset.name).toBe("qa");
    expect(dataset.examples).toEqual([{ id: "q1", input: { question: "2+2?" }, expected: { answer: "4" }, metadata: { level: 1 }, splits: [] }]);
  });

  it("reads { name, examples } and takes its name; accepts `expected` as the output", async () => {
    const dataset = await load("wrapped.json", JSON.stringify({ name: "capitals", examples: [{ id: 7, input: "France", expected: "Paris" }] }));
    expect(dataset.name).toBe("capitals");
    expect(dataset.examples[0]).toMatchObject({ id: "7", expected: "Paris" });
  });

  it("lets options.name override the file's name", async () => {
    expect((await load("named.json", "[{\"input\":1}]", { name: "override" })).name).toBe("override");
  });

  it("names the file and the line of invalid JSON", async () => {
    const message = await loadError("broken.json", '[\n  {"input": 1},\n  {"input": 2,}\n]');
    expect(message).toMatch(/broken\.json:3: invalid JSON/);
  });

  it("rejects JSON of the wrong shape", async () => {
    expect(await loadError("shape.json", '{"rows": []}')).toContain("expected an array of examples or an object { name?, examples: [...] }");
  });
});

describe("datasets.fromFile: .jsonl", () => {
  it("reads one example per line, skipping blank lines and CRLF endings", async () => {
    const dataset = await load("lines.jsonl", '{"id":"a","input":1}\r\n\r\n{"id":"b","input":2,"output":3}\n');
    expect(dataset.examples.map((e) => [e.id, e.input, e.expected])).toEqual([
      ["a", 1, null],
      ["b", 2, 3],
    ]);
  });

  it("names the file, the line and the column of a malformed line", async () => {
    const message = await loadError("bad.jsonl", '{"id":"a","input":1}\n{"id":"b","input":2,}\n');
    expect(message).toMatch(/bad\.jsonl:2: invalid JSON at column \d+/);
  });

  it("rejects a line that is not an object, with its line", async () => {
    expect(await loadError("array.jsonl", '{"input":1}\n[1,2]\n')).toMatch(/array\.jsonl:2: expected an example object/);
  });

  it("names the line of an example without input", async () => {
    const message = await loadError("noinput.jsonl", '{"input":1}\n{"input":2}\n{"output":"x"}\n');
    expect(message).toMatch(/noinput\.jsonl:3: example has no "input" \(keys: output\)/);
  });

  it("names the line of a duplicate id and the first example with it", async () => {
    const message = await loadError("dupes.jsonl", '{"id":"x","input":1}\n{"id":"y","input":2}\n{"id":"x","input":3}\n');
    expect(message).toMatch(/dupes\.jsonl:3: duplicate example id "x" \(also example 1\)/);
  });

  it("rejects an empty file", async () => {
    expect(await loadError("empty.jsonl", "\n\n")).toMatch(/dataset "empty" has no examples/);
  });
});

describe("datasets.fromFile: .csv", () => {
  const csv = ["id,question,context,answer,source,split", 'q1,What is 2+2?,"math, basic",4,book,train', 'q2,Capital of France?,geo,Paris,atlas,"[""test"",""train""]"', "q3,Largest planet?,astro,Jupiter,web,"].join("\n");

  it("maps inputKeys, outputKeys, metadataKeys, idKey and splitKey", async () => {
    const dataset = await load("qa.csv", csv, { inputKeys: ["question", "context"], outputKeys: ["answer"], metadataKeys: ["source"], idKey: "id", splitKey: "split" });
    expect(dataset.examples).toEqual([
      { id: "q1", input: { question: "What is 2+2?", context: "math, basic" }, expected: { answer: "4" }, metadata: { source: "book" }, splits: ["train"] },
      { id: "q2", input: { question: "Capital of France?", context: "geo" }, expected: { answer: "Paris" }, metadata: { source: "atlas" }, splits: ["test", "train"] },
      { id: "q3", input: { question: "Largest planet?", context: "astro" }, expected: { answer: "Jupiter" }, metadata: { source: "web" }, splits: [] },
    ]);
  });

  it("takes every column not claimed by another option as input by default", async () => {
    const dataset = await load("defaults.csv", csv, { outputKeys: ["answer"], idKey: "id", splitKey: "split", metadataKeys: ["source"] });
    expect(dataset.examples[0]!.input).toEqual({ question: "What is 2+2?", context: "math, basic" });
  });

  it("keeps only the requested splits", async () => {
    const dataset = await load("splits.csv", csv, { outputKeys: ["answer"], idKey: "id", splitKey: "split" });
    expect(filterSplits(dataset, ["test"]).examples.map((e) => e.id)).toEqual(["q2"]);
    expect(filterSplits(dataset, ["train"]).examples.map((e) => e.id)).toEqual(["q1", "q2"]);
    expect(filterSplits(dataset, ["test", "train"]).examples.map((e) => e.id)).toEqual(["q1", "q2"]);
    expect(filterSplits(dataset, undefined).examples).toHaveLength(3);
    expect(() => filterSplits(dataset, ["dev"])).toThrow(/no example is in split dev \(splits in this dataset: train, test\)/);
  });

  it.each([
    ["inputKeys", { inputKeys: ["question", "prompt"] }, "prompt"],
    ["outputKeys", { outputKeys: ["expected_answer"] }, "expected_answer"],
    ["metadataKeys", { metadataKeys: ["origin"] }, "origin"],
    ["idKey", { idKey: "uid" }, "uid"],
    ["splitKey", { splitKey: "splits" }, "splits"],
  ])("names a missing %s column and the file", async (option, options, column) => {
    const message = await loadError("missing.csv", csv, options as FromFileOptions);
    expect(message).toContain("missing.csv:1:");
    expect(message).toContain(`column "${column}" (from ${option}) is not in the CSV header; columns: id, question, context, answer, source, split`);
  });

  it("names the line of an invalid split cell", async () => {
    const message = await loadError("badsplit.csv", 'id,q,split\na,x,train\nb,y,"[1,2]"\n', { idKey: "id", splitKey: "split" });
    expect(message).toMatch(/badsplit\.csv:3: split cell "\[1,2\]" must be a split name or a JSON list of names/);
  });

  it("names the file and line of malformed CSV", async () => {
    const message = await loadError("malformed.csv", 'a,b\n1,2\n3,"4\n');
    expect(message).toMatch(/malformed\.csv(:\d+)?: invalid CSV/);
  });

  it("strips a byte-order mark from the header", async () => {
    const dataset = await load("bom.csv", "\uFEFFid,q\nx,1\n", { idKey: "id" });
    expect(dataset.examples[0]).toMatchObject({ id: "x", input: { q: "1" } });
  });

  it("rejects a CSV with a header and no rows as empty", async () => {
    expect(await loadError("header-only.csv", "id,q\n")).toMatch(/has no examples/);
  });
});

describe("datasets.fromFile: files", () => {
  it("reports a file that does not exist, with the project root it resolved from", async () => {
    const error = await resolveDataset(fromFile(join(dir, "nope.jsonl"))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toMatch(/nope\.jsonl: dataset file not found \(resolved from the project root /);
  });

  it("resolves relative paths from the project root (the working directory here)", async () => {
    const error = await resolveDataset(fromFile("does/not/exist.json")).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^does[/\\]not[/\\]exist\.json: dataset file not found/);
  });

  it("rejects an unsupported extension", async () => {
    expect(await loadError("data.yaml", "- input: 1")).toContain('unsupported dataset file type ".yaml"; expected .json, .jsonl or .csv');
  });

  it("reads the file when the dataset is resolved, not when declared", async () => {
    const path = join(dir, "later.jsonl");
    const loader = fromFile(path);
    await writeFile(path, '{"input":"late"}\n');
    expect((await resolveDataset(loader)).examples[0]!.input).toBe("late");
  });
});
