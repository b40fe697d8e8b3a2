import { cachedRequest } from "./http-cache.js";

export interface CachingFetchOptions {
  /** The fetch to call on a miss. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Share one cached answer across repetitions of an example. Default false. */
  shareAcrossRepetitions?: boolean;
}

// Bodies a response may not have (fetch throws on `new Response(body, { status: 204 })`).
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * A `fetch` that answers identical POST requests from the local request cache. Hand it to any
 * client that takes a custom fetch: the OpenAI SDK (`new OpenAI({ fetch })`), the AI SDK's providers
 * (`createOpenAI({ fetch })`, and so `@arizeai/phoenix-evals` models). Only requests whose body is a
 * string are cached (JSON APIs send one); streams, forms and other methods pass straight through.
 * A cached answer is replayed whole, so a streamed response arrives at once.
 */
export function createCachingFetch(options: CachingFetchOptions = {}): typeof globalThis.fetch {
  const base = options.fetch ?? globalThis.fetch;
  const cachingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    if (input instanceof Request || method !== "POST" || typeof init?.body !== "string") return base(input, init);
    const url = String(input);
    const { response } = await cachedRequest(
      { method, url, body: init.body, shareAcrossRepetitions: options.shareAcrossRepetitions },
      async () => {
        const answer = await base(input, init);
        const headers: Record<string, string> = {};
        answer.headers.forEach((value, name) => {
          // The body below is already decoded, so its encoding and length no longer apply.
          if (name !== "content-encoding" && name !== "content-length" && name !== "transfer-encoding") headers[name] = value;
        });
        return { status: answer.status, headers, body: await answer.text() };
      },
    );
    return new Response(NO_BODY.has(response.status) ? null : response.body, { status: response.status, headers: response.headers });
  };
  return cachingFetch as typeof globalThis.fetch;
}
