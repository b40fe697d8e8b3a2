/** Errors from talking to Arize AX; their messages never hold the API key. */

export type ArizeErrorKind = "http" | "network" | "auth" | "config";

export interface ArizeErrorDetails {
  kind: ArizeErrorKind;
  method: string;
  /** The request path (no query string). */
  path: string;
  status?: number;
  /** What the server said (the problem's `detail`, else its `title`), redacted. */
  serverMessage?: string;
  code?: string;
  /** A retry may succeed (network errors, 429, 5xx). */
  retryable: boolean;
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  retryAfterMs?: number;
  /**
   * The request may have been processed although no answer came (the connection broke after it
   * was sent, or a 5xx): a non-idempotent write must look before it is sent again.
   */
  ambiguous: boolean;
}

export class ArizeError extends Error implements ArizeErrorDetails {
  override readonly name = "ArizeError";
  readonly kind: ArizeErrorKind;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly serverMessage?: string;
  readonly code?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly ambiguous: boolean;

  constructor(message: string, details: ArizeErrorDetails) {
    super(message);
    this.kind = details.kind;
    this.method = details.method;
    this.path = details.path;
    this.retryable = details.retryable;
    this.ambiguous = details.ambiguous;
    if (details.status !== undefined) this.status = details.status;
    if (details.serverMessage !== undefined) this.serverMessage = details.serverMessage;
    if (details.code !== undefined) this.code = details.code;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}
