import type { RateLimitErrorMatcher } from "../declaration/options.js";
import type { RecordedError } from "../record/types.js";

/** An attempt that ran past its timeout. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  constructor(readonly timeoutMs: number, what = "task") {
    super(`${what} timed out after ${timeoutMs} ms`);
  }
}

/**
 * A failure that will fail the same way on every attempt (for example an output that is not
 * JSON-serializable), so retrying it only wastes time.
 */
export class PermanentError extends Error {
  override name = "PermanentError";
}

/**
 * An HTTP status carried by an error, in the places common clients put it: `status` (OpenAI SDK,
 * fetch wrappers), `statusCode` (AI SDK's APICallError), `response.status` (axios), and the last
 * error of a retry wrapper (AI SDK's RetryError keeps it in `lastError`).
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { status?: unknown; statusCode?: unknown; response?: { status?: unknown }; lastError?: unknown };
  for (const candidate of [e.status, e.statusCode, e.response?.status]) {
    if (typeof candidate === "number") return candidate;
  }
  return e.lastError !== undefined && e.lastError !== error ? httpStatusOf(e.lastError) : undefined;
}

/** True for HTTP 429 and for errors matched by the experiment's `rateLimitErrors`. */
export function isRateLimitError(error: unknown, matchers: readonly RateLimitErrorMatcher[]): boolean {
  if (httpStatusOf(error) === 429) return true;
  return matchers.some((matcher) => {
    if (isClass(matcher)) return error instanceof matcher;
    try {
      return (matcher as (e: unknown) => boolean)(error) === true;
    } catch {
      return false;
    }
  });
}

function isClass(fn: RateLimitErrorMatcher): fn is abstract new (...args: any[]) => unknown {
  // Error classes are matched with instanceof; any other function is a predicate. Arrow-function
  // predicates have no prototype, and a `class` that does not extend Error still reads as one.
  return fn === Error || fn.prototype instanceof Error || /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/**
 * Milliseconds a rate-limited caller was told to wait, from the first of: `retryAfterMs` on the
 * error; the `retry-after-ms` header (OpenAI); `Retry-After` (seconds or an HTTP date); and, when
 * the request quota is spent (`x-ratelimit-remaining-requests: 0`, OpenAI's and most gateways'
 * names, or `anthropic-ratelimit-requests-remaining: 0`), the time until it resets
 * (`x-ratelimit-reset-requests` as "1s", "6m0s" or "20ms", or Anthropic's RFC 3339 time).
 * Headers are read from `error.headers`, `error.responseHeaders` (AI SDK) or
 * `error.response.headers`, as a `Headers` object or a plain record; a retry wrapper's
 * `lastError` is searched too.
 */
export function retryAfterOf(error: unknown, now: number = Date.now()): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { retryAfterMs?: unknown; headers?: unknown; responseHeaders?: unknown; response?: { headers?: unknown }; lastError?: unknown };
  if (typeof e.retryAfterMs === "number" && e.retryAfterMs >= 0) return e.retryAfterMs;
  const header = (name: string) => headerValue(e.headers, name) ?? headerValue(e.responseHeaders, name) ?? headerValue(e.response?.headers, name);
  const milliseconds = header("retry-after-ms")?.trim();
  if (milliseconds !== undefined && /^\d+(\.\d+)?$/.test(milliseconds)) return Number(milliseconds);
  const retryAfter = header("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  if (header("x-ratelimit-remaining-requests")?.trim() === "0") {
    const reset = durationMs(header("x-ratelimit-reset-requests"));
    if (reset !== undefined) return reset;
  }
  if (header("anthropic-ratelimit-requests-remaining")?.trim() === "0") {
    const reset = Date.parse(header("anthropic-ratelimit-requests-reset") ?? "");
    if (!Number.isNaN(reset)) return Math.max(0, reset - now);
  }
  return e.lastError !== undefined && e.lastError !== error ? retryAfterOf(e.lastError, now) : undefined;
}

/** "1s", "6m0s", "1h2m3.5s", "20ms", or plain seconds, in milliseconds. */
function durationMs(text: string | undefined): number | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const unit = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) return undefined;
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * unit[u as keyof typeof unit], 0);
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== "object") return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name] ?? (headers as Record<string, unknown>)[name.replace(/(^|-)\w/g, (m) => m.toUpperCase())];
  return typeof value === "string" ? value : Array.isArray(value) ? String(value[0]) : undefined;
}

/** Reduces anything thrown to a record that can cross a process boundary. */
export function recordError(error: unknown): RecordedError {
  if (error instanceof Error) {
    const recorded: RecordedError = { name: error.name, message: error.message || String(error) };
    if (error.stack) recorded.stack = error.stack;
    return recorded;
  }
  let message: string;
  try {
    message = typeof error === "string" ? error : JSON.stringify(error) ?? String(error);
  } catch {
    message = String(error);
  }
  return { name: "Error", message: `non-Error thrown: ${message}` };
}
