import { describe, expect, test } from "vitest";
import { createDefaultSinks } from "../../../src/reporter/default-sinks.js";

const env = {
  PHOENIX_HOST: "http://127.0.0.1:1",
  ARIZE_API_KEY: "ax-unit-secret-key-42",
  ARIZE_SPACE_ID: "U3BhY2U6MQ==",
  ARIZE_BASE_URL: "http://127.0.0.1:1",
};
const output = { log: () => {}, warn: (text: string) => void warnings.push(text) };
const warnings: string[] = [];

async function names(replaying: boolean): Promise<string[]> {
  const sinks = createDefaultSinks({ storeDir: false, junit: false, stepSummary: false, report: false }, { output, root: process.cwd(), env, replaying });
  await Promise.all(sinks.map((s) => s.close?.()));
  return sinks.map((s) => s.name);
}

describe("the default sinks", () => {
  test("upload to Phoenix and Arize AX when they are configured", async () => {
    expect(await names(false)).toEqual(expect.arrayContaining(["phoenix", "arize"]));
    expect(warnings).toEqual([]);
  });

  test("leave out every upload when replaying blob reports (vitest --merge-reports)", async () => {
    const replayed = await names(true);
    expect(replayed).not.toContain("phoenix");
    expect(replayed).not.toContain("arize");
    expect(replayed.length).toBeGreaterThan(0);
  });
});
