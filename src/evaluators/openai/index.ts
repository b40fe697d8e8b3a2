export { createChatCompletion, type ChatCompletionBody, type ChatCompletionOptions, type ChatCompletionResult, type ChatMessage } from "./chat-completions.js";
export { resolveEndpoint, DEFAULT_BASE_URL, type EndpointOptions } from "./config.js";
export { ChatCompletionFormatError, ChatCompletionHttpError, ChatCompletionNetworkError } from "./errors.js";
export { retryAfterMs } from "./retry-after.js";
