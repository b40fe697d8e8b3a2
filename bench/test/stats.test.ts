import { describe, expect, it } from "vitest";
import { median, percentile, repeat } from "../lib/stats.js";

describe("median", () => {
  it("takes the middle value of an odd count and the mean of the two middle values of an even one", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it("refuses an empty list rather than reporting a figure", () => {
    expect(() => median([])).toThrow(/no values/);
  });
});

describe("percentile", () => {
  it("uses the nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([5], 95)).toBe(5);
  });
  it("names the bad argument", () => {
    expect(() => percentile([1], 0)).toThrow(/\(0, 100\], got 0/);
  });
});

describe("repeat", () => {
  it("runs measurements one after another, never overlapping", async () => {
    let running = 0;
    let most = 0;
    await repeat(4, async () => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      running--;
    });
    expect(most).toBe(1);
  });
});
