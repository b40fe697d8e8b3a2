/** Errors from talking to Phoenix; their messages never hold the API key or a header value. */

/**
 * `not-phoenix`: something other than Phoenix answered (a wrong host, or a proxy in front of
 * Phoenix refusing the request); `version`: the server is older than this package supports.
 */
export type PhoenixErrorKind = "http" | "network" | "not-phoenix" | "auth" | "version";

export interface PhoenixErrorDetails {
  kind: PhoenixErrorKind;
  method: string;
  /** The request path (no query string, no host credentials). */
  path: string;
  status?: number;
  /** What the server said (text/plain body, or the 422 validation details), redacted. */
  serverMessage?: string;
  /** Network error code (ECONNREFUSED, UND_ERR_SOCKET…). */
  code?: string;
  /** A retry may succeed (network errors, 429, 5xx). */
  retryable: boolean;
}

export class PhoenixError extends Error implements PhoenixErrorDetails {
  override readonly name = "PhoenixError";
  readonly kind: PhoenixErrorKind;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly serverMessage?: string;
  readonly code?: string;
  readonly retryable: boolean;

  constructor(message: string, details: PhoenixErrorDetails) {
    super(message);
    this.kind = details.kind;
    this.method = details.method;
    this.path = details.path;
    this.retryable = details.retryable;
    if (details.status !== undefined) this.status = details.status;
    if (details.serverMessage !== undefined) this.serverMessage = details.serverMessage;
    if (details.code !== undefined) this.code = details.code;
  }
}

export const REDACTED = "[REDACTED]";

/** Replaces every secret (API key, header values) in `text`. Short values are left alone: redacting "1" would mangle everything. */
export function createRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const values = [...new Set(secrets.filter((s): s is string => typeof s === "string" && s.length >= 4))].sort((a, b) => b.length - a.length);
  return (text) => values.reduce((out, secret) => out.split(secret).join(REDACTED), text);
}
