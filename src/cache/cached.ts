import { cachedRequest } from "./http-cache.js";

export interface CachedOptions {
  /** Names the function in the cache key. Default: the function's own name (required if it has none). */
  name?: string;
  /** Share one cached result across repetitions of an example. Default false. */
  shareAcrossRepetitions?: boolean;
}

// An AbortSignal or a callback in the arguments says nothing about the answer: leave them out of the key.
function keyReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "function" || value instanceof AbortSignal) return undefined;
  if (typeof value === "bigint") return `${value}n`;
  return value;
}

/**
 * Wraps an async function whose result depends only on its (JSON) arguments, typically an LLM
 * call inside a task: an identical call is answered from the local cache instead of paying again.
 * Results must be JSON-serializable. Repetitions of an example stay distinct calls unless
 * `shareAcrossRepetitions` is set (the engine tells the cache which repetition is running).
 */
export function cached<Args extends unknown[], Result>(
  fn: (...args: Args) => Promise<Result> | Result,
  options: CachedOptions = {},
): (...args: Args) => Promise<Result> {
  const name = options.name ?? fn.name;
  if (!name) throw new Error("cached(): the function has no name; pass { name } so its cache entries stay apart from other functions'");
  return async (...args: Args): Promise<Result> => {
    const body = JSON.stringify(args, keyReplacer) ?? "";
    const { response } = await cachedRequest(
      { method: "CALL", url: `fn:${name}`, body, shareAcrossRepetitions: options.shareAcrossRepetitions },
      async () => {
        const result = await fn(...args);
        const serialized = JSON.stringify(result);
        if (serialized === undefined) throw new Error(`cached(${name}): the result is not JSON-serializable (got ${typeof result})`);
        return { status: 200, headers: { "content-type": "application/json" }, body: serialized };
      },
    );
    return JSON.parse(response.body) as Result;
  };
}
