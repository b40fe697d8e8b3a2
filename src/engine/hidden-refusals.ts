import { AsyncLocalStorage } from "node:async_hooks";
import { subscribe } from "node:diagnostics_channel";

/**
 * Sees the rate-limit refusals a task's own HTTP client retries behind the engine's back.
 *
 * The `openai` and `@anthropic-ai/sdk` clients and the AI SDK retry a 429 themselves (twice by
 * default) before they throw: the provider refused three times, the engine heard of one, and the
 * limiter kept sending at a rate the provider was refusing. Every one of those clients calls the
 * global `fetch` (undici), which announces each request and each response on Node's diagnostics
 * channels; an attempt runs inside an async context, so a request made anywhere inside it (however
 * deep in an SDK) is attributed to it, and each of its 429s reaches the limiter the moment it
 * arrives, without any change to the user's code: the provider is no longer hammered behind the
 * limiter's back (W4: 0.5–0.9 refusals per accepted request before, about 0.2 after). Learning
 * of them only when the attempt ended, after the SDK's own backoff, left the limiter a second
 * behind and halved the refusals at best. The SDK's retries still wait inside the attempt, which
 * costs throughput: `maxRetries: 0` remains the setting for full speed, and the summary says so.
 * Requests made outside an attempt (uploads, other tests) are not observed.
 */
export interface RefusalObserver {
  /** A request made during the attempt was answered 429, just now. */
  refused(): void;
}

const attemptContext = new AsyncLocalStorage<RefusalObserver>();
/** Each request's attempt, from when undici created it to when its response headers arrived. */
const requestAttempt = new WeakMap<object, RefusalObserver>();
let subscribed = false;

function subscribeOnce(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe("undici:request:create", (message) => {
    const observer = attemptContext.getStore();
    if (observer) requestAttempt.set((message as { request: object }).request, observer);
  });
  subscribe("undici:request:headers", (message) => {
    const { request, response } = message as { request: object; response: { statusCode: number } };
    if (response.statusCode === 429) {
      requestAttempt.get(request)?.refused();
    }
  });
}

/** Runs one attempt, telling `observer` of each 429 response to an HTTP request it makes through undici, as it arrives. */
export function observingRefusals<T>(observer: RefusalObserver, attempt: () => T): T {
  subscribeOnce();
  return attemptContext.run(observer, attempt);
}
