import { request, type Dispatcher } from "undici";
import { cachedRequest, type CacheOutcome } from "../../cache/http-cache.js";
import type { StoredResponse } from "../../cache/store.js";
import { resolveEndpoint, type EndpointOptions } from "./config.js";
import { ChatCompletionFormatError, ChatCompletionHttpError, ChatCompletionNetworkError, redact, truncate } from "./errors.js";
import { retryAfterMs } from "./retry-after.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** The request body: `model` and `messages`, plus any other chat-completions field (temperature, seed, max_tokens…). */
export interface ChatCompletionBody {
  model: string;
  messages: ChatMessage[];
  [field: string]: unknown;
}

export interface ChatCompletionOptions extends EndpointOptions {
  signal?: AbortSignal;
  /** undici dispatcher for the request (a proxy agent, a mock). Default: undici's global dispatcher. */
  dispatcher?: Dispatcher;
  /** Use the local request cache (see docs/cache.md). Default true; the cache decides whether it is enabled. */
  cache?: boolean;
  /** Repetition the request belongs to, keeping repetitions apart in the cache. */
  repetition?: number;
  /** Let repetitions share one cached reply. Default false. */
  shareCacheAcrossRepetitions?: boolean;
  /**
   * Checks the reply's content and throws when it is unusable. Runs before the reply is cached, so
   * an off-rail reply is never stored and a retry asks the model again instead of replaying it.
   */
  accept?: (content: string) => void;
}

export interface ChatCompletionResult {
  /** The first choice's message content. */
  content: string;
  /** The parsed response body. */
  response: Record<string, unknown>;
  cache: CacheOutcome;
}

/**
 * One call to `${baseURL}/chat/completions`, no retries of its own: HTTP errors are thrown with
 * their `status` (and `retryAfterMs` on 429) for the engine's retry and rate limiting to act on.
 * The API key is sent as a bearer token and appears in no error message.
 */
export async function createChatCompletion(body: ChatCompletionBody, options: ChatCompletionOptions = {}): Promise<ChatCompletionResult> {
  const endpoint = resolveEndpoint(options);
  const payload = JSON.stringify(body);
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json", ...endpoint.headers };
  if (endpoint.apiKey) headers.authorization = `Bearer ${endpoint.apiKey}`;
  const secret = endpoint.apiKey;

  const send = async (): Promise<StoredResponse> => {
    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(endpoint.url, {
        method: "POST",
        headers,
        body: payload,
        signal: options.signal,
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      throw new ChatCompletionNetworkError(redact(`POST ${endpoint.url} failed: ${(error as Error).message}`, secret), { cause: error });
    }
    const text = await answer.body.text();
    const contentType = answer.headers["content-type"];
    const stored: StoredResponse = {
      status: answer.statusCode,
      headers: typeof contentType === "string" ? { "content-type": contentType } : {},
      body: text,
    };
    if (answer.statusCode >= 200 && answer.statusCode < 300) {
      options.accept?.(parseCompletion(stored, endpoint.url, secret).content);
      return stored;
    }
    const wait = answer.statusCode === 429 ? retryAfterMs(answer.headers) : undefined;
    const detail = text.trim() ? `: ${truncate(text.trim())}` : "";
    throw new ChatCompletionHttpError(
      redact(`POST ${endpoint.url} answered ${answer.statusCode}${wait !== undefined ? ` (retry after ${wait} ms)` : ""}${detail}`, secret),
      answer.statusCode,
      wait,
    );
  };

  const { response, cache } =
    options.cache === false
      ? { response: await send(), cache: "off" as const }
      : await cachedRequest({
          method: "POST",
          url: endpoint.url,
          body: payload,
          repetition: options.repetition,
          shareAcrossRepetitions: options.shareCacheAcrossRepetitions,
        }, send);

  const { content, parsed } = parseCompletion(response, endpoint.url, secret);
  if (cache === "hit") options.accept?.(content);
  return { content, response: parsed, cache };
}

function parseCompletion(response: StoredResponse, url: string, secret: string | undefined): { content: string; parsed: Record<string, unknown> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    throw new ChatCompletionFormatError(redact(`POST ${url} answered ${response.status} with a body that is not JSON: ${truncate(response.body)}`, secret));
  }
  const content = (parsed as { choices?: { message?: { content?: unknown } }[] })?.choices?.[0]?.message?.content;
  if (typeof content !== "string") {
    throw new ChatCompletionFormatError(
      redact(`POST ${url} answered without choices[0].message.content as text: ${truncate(response.body)}`, secret),
    );
  }
  return { content, parsed: parsed as Record<string, unknown> };
}
