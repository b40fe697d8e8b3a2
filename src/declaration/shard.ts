import type { ShardSpec } from "../record/shard.js";

export const SHARD_ENV = "VITEST_EXPERIMENTS_SHARD";

/** A shard setting that is not `i/N` with 1 ≤ i ≤ N; the message names where the value came from. */
export class ShardSettingError extends Error {
  override name = "ShardSettingError";
}

/**
 * Reads a shard setting: `"2/4"` (the environment's form) or `{ index: 2, count: 4 }` (the
 * `shard` option of `experimentsProject()`). `source` names the variable or option for the error.
 * Undefined, an empty string and `1/1` mean "not sharded".
 */
export function parseShard(value: unknown, source: string): ShardSpec | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  let index: number;
  let count: number;
  if (typeof value === "string") {
    const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
    if (!match) throw invalid(value, source);
    index = Number(match[1]);
    count = Number(match[2]);
  } else if (typeof value === "object" && !Array.isArray(value)) {
    const candidate = value as Partial<ShardSpec>;
    if (!Number.isInteger(candidate.index) || !Number.isInteger(candidate.count)) throw invalid(value, source);
    index = candidate.index!;
    count = candidate.count!;
  } else {
    throw invalid(value, source);
  }
  if (count < 1 || index < 1 || index > count) throw invalid(value, source);
  return count === 1 ? undefined : { index, count };
}

/** The shard this process runs: the `shard` option when given, else `VITEST_EXPERIMENTS_SHARD`. */
export function resolveShard(option: unknown, env: NodeJS.ProcessEnv = process.env): ShardSpec | undefined {
  if (option !== undefined) return parseShard(option, "the shard option of experimentsProject()");
  return parseShard(env[SHARD_ENV], SHARD_ENV);
}

function invalid(value: unknown, source: string): ShardSettingError {
  const shownValue = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return new ShardSettingError(
    `${source} is ${shownValue}: expected "i/N", this machine's shard i of N shards with 1 ≤ i ≤ N (for example "2/4", or { index: 2, count: 4 } as an option)`,
  );
}
