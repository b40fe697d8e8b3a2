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

/** Milliseconds a rate-limited caller was told to wait (`retryAfterMs`, or a Retry-After header). */
export function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { retryAfterMs?: unknown; headers?: unknown; responseHeaders?: unknown; response?: { headers?: unknown }; lastError?: unknown };
  if (typeof e.retryAfterMs === "number" && e.retryAfterMs >= 0) return e.retryAfterMs;
  const header =
    headerValue(e.headers, "retry-after") ?? headerValue(e.responseHeaders, "retry-after") ?? headerValue(e.response?.headers, "retry-after");
  if (header === undefined) return e.lastError !== undefined && e.lastError !== error ? retryAfterOf(e.lastError) : undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
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
