import { describe, expect, it } from "vitest";
import { httpStatusOf, isRateLimitError, recordError, retryAfterOf } from "../../../src/engine/errors.js";

class RateLimitError extends Error {}
class QuotaError extends RateLimitError {}
class UnrelatedError extends Error {}
/** A class that does not extend Error is still matched with instanceof, not called. */
class PlainLimit {
  reason = "limited";
}

describe("isRateLimitError", () => {
  it("matches HTTP 429 in status, statusCode and response.status without any matcher", () => {
    expect(isRateLimitError(Object.assign(new Error("x"), { status: 429 }), [])).toBe(true);
    expect(isRateLimitError({ statusCode: 429 }, [])).toBe(true);
    expect(isRateLimitError({ response: { status: 429 } }, [])).toBe(true);
  });

  it("does not match other statuses or plain errors", () => {
    expect(isRateLimitError(Object.assign(new Error("x"), { status: 500 }), [])).toBe(false);
    expect(isRateLimitError({ statusCode: "429" }, [])).toBe(false);
    expect(isRateLimitError(new Error("429 Too Many Requests"), [])).toBe(false);
    expect(isRateLimitError(null, [])).toBe(false);
    expect(isRateLimitError("429", [])).toBe(false);
  });

  it("matches error classes with instanceof, subclasses included", () => {
    expect(isRateLimitError(new RateLimitError(), [RateLimitError])).toBe(true);
    expect(isRateLimitError(new QuotaError(), [RateLimitError])).toBe(true);
    expect(isRateLimitError(new UnrelatedError(), [RateLimitError])).toBe(false);
    expect(isRateLimitError(new PlainLimit(), [PlainLimit])).toBe(true);
    expect(isRateLimitError(new Error(), [PlainLimit])).toBe(false);
  });

  it("calls predicates (arrow functions and named functions) and takes only `true` as a match", () => {
    const arrow = (error: unknown) => error instanceof Error && error.message.includes("slow down");
    function named(error: unknown) {
      return (error as { code?: string }).code === "RATE";
    }
    expect(isRateLimitError(new Error("please slow down"), [arrow])).toBe(true);
    expect(isRateLimitError({ code: "RATE" }, [named])).toBe(true);
    expect(isRateLimitError(new Error("other"), [arrow, named])).toBe(false);
    expect(isRateLimitError(new Error("x"), [(() => 1) as unknown as (e: unknown) => boolean])).toBe(false);
  });

  it("treats a predicate that throws as no match", () => {
    const broken = (error: unknown) => (error as { a: { b: string } }).a.b === "x";
    expect(isRateLimitError(new Error("x"), [broken])).toBe(false);
  });
});

describe("httpStatusOf", () => {
  it("reads numeric statuses only", () => {
    expect(httpStatusOf({ status: 503 })).toBe(503);
    expect(httpStatusOf({ statusCode: 404 })).toBe(404);
    expect(httpStatusOf({ response: { status: 401 } })).toBe(401);
    expect(httpStatusOf({ status: "429" })).toBeUndefined();
    expect(httpStatusOf(undefined)).toBeUndefined();
  });
});

describe("retryAfterOf", () => {
  it("reads retryAfterMs", () => {
    expect(retryAfterOf({ retryAfterMs: 1500 })).toBe(1500);
    expect(retryAfterOf({ retryAfterMs: -1 })).toBeUndefined();
  });

  it("reads a Retry-After header in seconds from a Headers object, a plain record or response.headers", () => {
    expect(retryAfterOf({ headers: new Headers({ "retry-after": "2" }) })).toBe(2000);
    expect(retryAfterOf({ headers: { "retry-after": "0.5" } })).toBe(500);
    expect(retryAfterOf({ headers: { "Retry-After": "3" } })).toBe(3000);
    expect(retryAfterOf({ response: { headers: new Headers({ "Retry-After": "1" }) } })).toBe(1000);
    expect(retryAfterOf({ headers: { "retry-after": ["4"] } })).toBe(4000);
  });

  it("reads a Retry-After HTTP date", () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    const ms = retryAfterOf({ headers: { "retry-after": inTenSeconds } })!;
    expect(ms).toBeGreaterThan(5_000);
    expect(ms).toBeLessThanOrEqual(10_000);
    expect(retryAfterOf({ headers: { "retry-after": new Date(0).toUTCString() } })).toBe(0);
  });

  it("prefers OpenAI's retry-after-ms to Retry-After", () => {
    expect(retryAfterOf({ headers: new Headers({ "retry-after-ms": "250", "retry-after": "1" }) })).toBe(250);
  });

  it("reads the time until a spent request quota resets (OpenAI's and Anthropic's headers), the AI SDK's responseHeaders, and a retry wrapper's lastError", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterOf({ headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.5s" } }, now)).toBe(1500);
    expect(retryAfterOf({ headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "6m0s" } }, now)).toBe(360_000);
    expect(retryAfterOf({ responseHeaders: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "20ms" } }, now)).toBe(20);
    expect(retryAfterOf({ headers: { "anthropic-ratelimit-requests-remaining": "0", "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:03Z" } }, now)).toBe(3000);
    expect(retryAfterOf({ lastError: { headers: { "retry-after": "2" } } })).toBe(2000);
    // Quota left: the reset time is no reason to wait.
    expect(retryAfterOf({ headers: { "x-ratelimit-remaining-requests": "12", "x-ratelimit-reset-requests": "1s" } }, now)).toBeUndefined();
    expect(retryAfterOf({ headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "soon" } }, now)).toBeUndefined();
  });

  it("is undefined when there is nothing usable", () => {
    expect(retryAfterOf(new Error("x"))).toBeUndefined();
    expect(retryAfterOf({ headers: { "retry-after": "soon" } })).toBeUndefined();
    expect(retryAfterOf(null)).toBeUndefined();
  });
});

describe("recordError", () => {
  it("keeps name, message and stack of an Error", () => {
    const error = new TypeError("bad input");
    const recorded = recordError(error);
    expect(recorded).toMatchObject({ name: "TypeError", message: "bad input" });
    expect(recorded.stack).toContain("bad input");
  });

  it("describes values that are not Errors", () => {
    expect(recordError("boom")).toEqual({ name: "Error", message: "non-Error thrown: boom" });
    expect(recordError({ code: 1 })).toEqual({ name: "Error", message: 'non-Error thrown: {"code":1}' });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(recordError(circular).message).toBe("non-Error thrown: [object Object]");
    expect(recordError(undefined).message).toBe("non-Error thrown: undefined");
  });
});
