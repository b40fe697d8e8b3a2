/**
 * Where Arize AX is and how to authenticate, from Arize's own environment variables
 * (`ARIZE_API_KEY`, `ARIZE_SPACE_ID`, `ARIZE_BASE_URL`) or explicit options.
 */

/** Arize's REST API; the official client's default too. */
export const DEFAULT_ARIZE_BASE_URL = "https://api.arize.com";

export interface ArizeConfig {
  /** Base URL of the REST API, without a trailing slash (the `/v2/...` paths go under it). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; never printed. */
  apiKey: string;
  /** A space id, or a space name that is resolved to its id on first use. */
  space: string;
}

export interface ArizeConfigOptions {
  apiKey?: string;
  /** A space id (as Arize shows it) or the space's name. */
  space?: string;
  baseUrl?: string;
}

export class ArizeConfigError extends Error {
  override readonly name = "ArizeConfigError";
}

/**
 * The Arize AX configuration, explicit options winning over the environment; undefined when no
 * API key is configured (AX is then simply off). A key without a space is an error: uploads would
 * have nowhere to go. Errors name the variable, never the key.
 */
export function resolveArizeConfig(options: ArizeConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): ArizeConfig | undefined {
  const apiKey = nonEmpty(options.apiKey) ?? nonEmpty(env.ARIZE_API_KEY);
  if (!apiKey) return undefined;
  const space = nonEmpty(options.space) ?? nonEmpty(env.ARIZE_SPACE_ID);
  if (!space) {
    throw new ArizeConfigError(
      "ARIZE_API_KEY is set but ARIZE_SPACE_ID is not: set ARIZE_SPACE_ID to the id or the name of the Arize AX space to upload to (or the `space` option of `arize: { … }`)",
    );
  }
  const rawBase = nonEmpty(options.baseUrl) ?? nonEmpty(env.ARIZE_BASE_URL) ?? DEFAULT_ARIZE_BASE_URL;
  const source = nonEmpty(options.baseUrl) ? "the `baseUrl` option of `arize`" : "ARIZE_BASE_URL";
  return { apiKey, space, baseUrl: normalizeBaseUrl(rawBase, source) };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function normalizeBaseUrl(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ArizeConfigError(`${source} must be an http(s) URL such as ${DEFAULT_ARIZE_BASE_URL}, got ${JSON.stringify(raw.replace(/\/\/[^/@]*@/, "//***@"))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ArizeConfigError(`${source} must be an http(s) URL such as ${DEFAULT_ARIZE_BASE_URL}, got protocol ${url.protocol}`);
  }
  if (url.username || url.password) throw new ArizeConfigError(`${source} must not carry credentials in the URL; use ARIZE_API_KEY`);
  // Accept the base with or without the API version: the client adds `/v2`.
  const path = url.pathname.replace(/\/+$/, "").replace(/\/v2$/, "");
  return `${url.origin}${path}`;
}
