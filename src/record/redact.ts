import { createRedactor } from "../phoenix/errors.js";
import { parseClientHeaders } from "../phoenix/config.js";

/**
 * The credentials this process holds for Phoenix and Arize AX: `PHOENIX_API_KEY`, every
 * `PHOENIX_CLIENT_HEADERS` value and `ARIZE_API_KEY`. A task or evaluator that echoes one (a provider's "invalid key
 * sk-…" error, a debugging explanation) must not carry it into the store, JUnit, summaries,
 * Vitest's failure messages or Phoenix itself.
 */
export function configuredSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const secrets: string[] = [];
  const key = env.PHOENIX_API_KEY?.trim();
  if (key) secrets.push(key);
  const arizeKey = env.ARIZE_API_KEY?.trim();
  if (arizeKey) secrets.push(arizeKey);
  try {
    secrets.push(...Object.values(parseClientHeaders(env.PHOENIX_CLIENT_HEADERS)));
  } catch {
    // Malformed headers are reported (without their values) where Phoenix is configured.
  }
  return secrets;
}

/**
 * `value` with every secret replaced by `[REDACTED]` in every string it holds (keys included),
 * or `value` itself when there is nothing to redact.
 */
export function redactSecrets<T>(value: T, secrets: readonly string[] = configuredSecrets()): T {
  const redact = createRedactor(secrets);
  const probe = secrets.filter((s) => s.length >= 4);
  if (probe.length === 0) return value;
  const walk = (node: unknown): unknown => {
    if (typeof node === "string") return probe.some((s) => node.includes(s)) ? redact(node) : node;
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [walk(k) as string, walk(v)]));
    }
    return node;
  };
  return walk(value) as T;
}
