/**
 * Where Phoenix is and how to authenticate, from Phoenix's own environment variables
 * (`PHOENIX_HOST`, `PHOENIX_API_KEY`, `PHOENIX_CLIENT_HEADERS`) or explicit options.
 */

export interface PhoenixConfig {
  /** Base URL of the Phoenix server, without a trailing slash (may carry a path prefix). */
  host: string;
  apiKey?: string;
  /** Extra headers sent with every request (their values are secrets: never printed). */
  headers: Record<string, string>;
}

export interface PhoenixConfigOptions {
  host?: string;
  apiKey?: string;
  headers?: Record<string, string>;
}

export class PhoenixConfigError extends Error {
  override readonly name = "PhoenixConfigError";
}

/**
 * The Phoenix configuration, explicit options winning over the environment; undefined when no host
 * is configured. Errors name the variable and what was expected, never a header value or the key.
 */
export function resolvePhoenixConfig(
  options: PhoenixConfigOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): PhoenixConfig | undefined {
  const rawHost = options.host ?? nonEmpty(env.PHOENIX_HOST);
  if (!rawHost) return undefined;
  const source = options.host !== undefined ? "the `host` option" : "PHOENIX_HOST";
  const host = normalizeHost(rawHost, source);
  const apiKey = options.apiKey ?? nonEmpty(env.PHOENIX_API_KEY);
  const headers = options.headers ?? parseClientHeaders(env.PHOENIX_CLIENT_HEADERS);
  return { host, ...(apiKey ? { apiKey } : {}), headers };
}

/** `VITEST_EXPERIMENTS_UPLOAD=false` (or 0/no/off) switches uploading off even when a host is set. */
export function uploadDisabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.VITEST_EXPERIMENTS_UPLOAD?.trim().toLowerCase();
  return value === "false" || value === "0" || value === "no" || value === "off";
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function normalizeHost(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PhoenixConfigError(`${source} must be an http(s) URL such as http://localhost:6006, got ${JSON.stringify(stripCredentials(raw))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new PhoenixConfigError(`${source} must be an http(s) URL such as http://localhost:6006, got protocol ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new PhoenixConfigError(`${source} must not carry credentials in the URL; use PHOENIX_API_KEY`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

function stripCredentials(raw: string): string {
  return raw.replace(/\/\/[^/@]*@/, "//***@");
}

/**
 * `PHOENIX_CLIENT_HEADERS`: a JSON object of string values, or the `k=v,k2=v2` form the Python client
 * and OpenTelemetry's `OTEL_EXPORTER_OTLP_HEADERS` accept.
 */
export function parseClientHeaders(raw: string | undefined): Record<string, string> {
  const text = raw?.trim();
  if (!text) return {};
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new PhoenixConfigError('PHOENIX_CLIENT_HEADERS is not valid JSON: expected an object like {"x-header":"value"} (the value is not shown: it may hold secrets)');
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new PhoenixConfigError('PHOENIX_CLIENT_HEADERS must be a JSON object like {"x-header":"value"}');
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value !== "string") throw new PhoenixConfigError(`PHOENIX_CLIENT_HEADERS: the value of header "${name}" must be a string`);
      headers[name.toLowerCase()] = value;
    }
    return headers;
  }
  const headers: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const index = pair.indexOf("=");
    if (index <= 0) throw new PhoenixConfigError('PHOENIX_CLIENT_HEADERS must be a JSON object or "name=value" pairs separated by commas');
    headers[decodeURIComponent(pair.slice(0, index).trim()).toLowerCase()] = decodeURIComponent(pair.slice(index + 1).trim());
  }
  return headers;
}
