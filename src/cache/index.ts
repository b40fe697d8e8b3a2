export { cached, type CachedOptions } from "./cached.js";
export { createCachingFetch, type CachingFetchOptions } from "./fetch.js";
export { cachedRequest, type CacheableRequest, type CacheOutcome } from "./http-cache.js";
export { configureCache, currentCacheSettings, resolveCacheSettings, CACHE_ENV, CACHE_DIR_ENV, type CacheOverrides, type CacheSettings } from "./settings.js";
export { getCacheStats, resetCacheStats, withCacheScope, currentCacheScope, type CacheScope, type CacheStats } from "./stats.js";
export { requestKey, redactUrl, type RequestIdentity } from "./key.js";
export type { StoredResponse } from "./store.js";
