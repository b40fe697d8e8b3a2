export const DEFAULT_BASE_URL = "https://api.openai.com/v1";

export interface EndpointOptions {
  /** As in the OpenAI SDK: the API root ending in `/v1`. Default `OPENAI_BASE_URL`, else OpenAI's. */
  baseURL?: string;
  /** Default `OPENAI_API_KEY`. Local servers (Ollama, vLLM, LM Studio) need none. */
  apiKey?: string;
  /** Extra request headers (Azure's `api-key`, an organisation header, a gateway's routing header). */
  headers?: Record<string, string>;
}

export interface Endpoint {
  url: string;
  apiKey: string | undefined;
  headers: Record<string, string>;
}

/** Resolved at call time, so variables loaded by a setup file or dotenv count. */
export function resolveEndpoint(options: EndpointOptions, env: Record<string, string | undefined> = process.env): Endpoint {
  const baseURL = (options.baseURL ?? nonEmpty(env.OPENAI_BASE_URL) ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  let parsed: URL;
  try {
    parsed = new URL(baseURL);
  } catch {
    throw new Error(`baseURL ${JSON.stringify(baseURL)} is not a URL; expected e.g. "https://api.openai.com/v1" or "http://127.0.0.1:11434/v1"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new Error(`baseURL ${JSON.stringify(baseURL)} must use http or https`);
  }
  const apiKey = options.apiKey ?? nonEmpty(env.OPENAI_API_KEY);
  const hasOwnAuth = Object.keys(options.headers ?? {}).some((name) => /^(authorization|api-key)$/i.test(name));
  if (!apiKey && !hasOwnAuth && parsed.hostname === "api.openai.com") {
    throw new Error("OPENAI_API_KEY is not set: set it, pass apiKey, or point baseURL at another OpenAI-compatible server");
  }
  return { url: `${baseURL}/chat/completions`, apiKey, headers: { ...(options.headers ?? {}) } };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value.trim() : undefined;
}
