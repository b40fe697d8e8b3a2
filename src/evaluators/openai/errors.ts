/** Longest stretch of a reply or error body quoted in a message. */
export const QUOTE_LIMIT = 500;

export function truncate(text: string, limit = QUOTE_LIMIT): string {
  return text.length > limit ? `${text.slice(0, limit)}… (${text.length - limit} more characters)` : text;
}

/** Removes the API key wherever a server echoed it back, so it can reach no log. */
export function redact(text: string, secret: string | undefined): string {
  return secret && secret.length >= 4 ? text.split(secret).join("[REDACTED]") : text;
}

/**
 * The endpoint answered with an HTTP error. `status` is what the engine reads: 429 throttles the
 * experiment (waiting `retryAfterMs` when the server said how long), other statuses are retried
 * for LLM evaluators.
 */
export class ChatCompletionHttpError extends Error {
  override readonly name = "ChatCompletionHttpError";
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, status: number, retryAfterMs: number | undefined) {
    super(message);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The endpoint answered 2xx with something that is not a chat completion. */
export class ChatCompletionFormatError extends Error {
  override readonly name = "ChatCompletionFormatError";
}

/** The request never got an answer (connection refused, reset, DNS). */
export class ChatCompletionNetworkError extends Error {
  override readonly name = "ChatCompletionNetworkError";
}
