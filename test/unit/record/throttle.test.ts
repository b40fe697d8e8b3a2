import { describe, expect, it } from "vitest";
import { describeThrottle } from "../../../src/record/throttle.js";

describe("describeThrottle", () => {
  it("says how much the provider refused per accepted attempt and where the limiter settled", () => {
    expect(describeThrottle({ accepted: 240, refused: 31, rate: 41.63, concurrency: null })).toBe(
      "provider rate limit: 31 refused for 240 accepted attempts (0.13 per accepted); paced at 41.6 requests/s",
    );
    expect(describeThrottle({ accepted: 100, refused: 4, rate: 2.345, concurrency: 4 })).toBe(
      "provider rate limit: 4 refused for 100 accepted attempts (0.04 per accepted); paced at 2.3 requests/s, at most 4 in flight",
    );
    expect(describeThrottle({ accepted: 0, refused: 100, rate: 0.1, concurrency: null })).toBe("provider rate limit: 100 refused for 0 accepted attempts (– per accepted); paced at 0.10 requests/s");
  });
});
