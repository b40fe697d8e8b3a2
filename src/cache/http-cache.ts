import { FileCache, type StoredResponse } from "./store.js";
import { redactUrl, requestKey } from "./key.js";
import { currentCacheSettings, type CacheSettings } from "./settings.js";
import { countCache, currentCacheScope } from "./stats.js";

export type CacheOutcome = "hit" | "miss" | "off";

export interface CacheableRequest {
  method: string;
  url: string;
  body: string;
  /** The repetition this request belongs to; defaults to the one of the current cache scope. */
  repetition?: number;
  /** Share one cached answer across repetitions. Default false. */
  shareAcrossRepetitions?: boolean;
}

const stores = new Map<string, FileCache>();
function storeFor(dir: string): FileCache {
  let store = stores.get(dir);
  if (!store) stores.set(dir, (store = new FileCache(dir)));
  return store;
}

/**
 * Answers an identical earlier request from disk, or calls `send` and keeps a 2xx answer for next
 * time. Only the method, URL and body form the key: headers (and so the API key) never reach the
 * disk. Errors from `send` pass through untouched and are never cached.
 */
export async function cachedRequest(
  request: CacheableRequest,
  send: () => Promise<StoredResponse>,
  settings: CacheSettings = currentCacheSettings(),
): Promise<{ response: StoredResponse; cache: CacheOutcome }> {
  if (!settings.enabled) return { response: await send(), cache: "off" };
  const scope = currentCacheScope();
  const repetition = request.shareAcrossRepetitions ? undefined : (request.repetition ?? scope?.repetition);
  const key = requestKey({ method: request.method, url: request.url, body: request.body, repetition });
  const store = storeFor(settings.dir);
  const stored = await store.get(key);
  if (stored) {
    countCache("hits", scope);
    return { response: stored, cache: "hit" };
  }
  countCache("misses", scope);
  const response = await send();
  if (response.status >= 200 && response.status < 300) {
    try {
      await store.set(key, { method: request.method.toUpperCase(), url: redactUrl(request.url) }, response);
      countCache("writes", scope);
    } catch {
      // A cache that cannot be written (read-only checkout, full disk) costs money, not correctness.
    }
  }
  return { response, cache: "miss" };
}
