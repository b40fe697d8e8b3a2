import { describe, expect, test } from "vitest";
import { defaultBlobFolder } from "../../../src/vitest/blob-folder.js";

describe("defaultBlobFolder", () => {
  test("Vitest 4 writes and merges blob reports in .vitest-reports", () => {
    expect(defaultBlobFolder("4.1.3")).toBe(".vitest-reports");
  });
  test("Vitest 5 and later use .vitest/blob", () => {
    expect(defaultBlobFolder("5.1.0")).toBe(".vitest/blob");
    expect(defaultBlobFolder("6.0.0-beta.1")).toBe(".vitest/blob");
  });
});
