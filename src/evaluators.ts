/** `vitest-experiments/evaluators`: ready-made evaluators, LLM-as-judge and the request cache. */
export * from "./evaluators/library/index.js";
export * from "./evaluators/judge/index.js";
export {
  createChatCompletion,
  ChatCompletionFormatError,
  ChatCompletionHttpError,
  ChatCompletionNetworkError,
  type ChatCompletionBody,
  type ChatCompletionOptions,
  type ChatCompletionResult,
  type ChatMessage,
  type EndpointOptions,
} from "./evaluators/openai/index.js";
export {
  cached,
  createCachingFetch,
  configureCache,
  getCacheStats,
  resetCacheStats,
  withCacheScope,
  type CachedOptions,
  type CachingFetchOptions,
  type CacheOverrides,
  type CacheSettings,
  type CacheStats,
} from "./cache/index.js";
