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
 * deep in an SDK) is attributed to it, and its 429s reach the limiter without any change to the
 * user's code. Requests made outside an attempt (uploads, other tests) are not counted.
 */
export interface RefusalCount {
  /** Responses with status 429 to requests made during the attempt. */
  refusals: number;
}

const attemptContext = new AsyncLocalStorage<RefusalCount>();
/** Each request's attempt, from when undici created it to when its response headers arrived. */
const requestAttempt = new WeakMap<object, RefusalCount>();
let subscribed = false;

function subscribeOnce(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe("undici:request:create", (message) => {
    const count = attemptContext.getStore();
    if (count) requestAttempt.set((message as { request: object }).request, count);
  });
  subscribe("undici:request:headers", (message) => {
    const { request, response } = message as { request: object; response: { statusCode: number } };
    if (response.statusCode === 429) {
      const count = requestAttempt.get(request);
      if (count) count.refusals++;
    }
  });
}

/** Runs one attempt, counting the 429 responses to every HTTP request it makes through undici. */
export function countingRefusals<T>(count: RefusalCount, attempt: () => T): T {
  subscribeOnce();
  return attemptContext.run(count, attempt);
}
