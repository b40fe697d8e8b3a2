import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { ArizeClient, type ArizeClientOptions } from "../../../src/arize/client.js";
import { openStore } from "../../../src/store/index.js";
import type { ExperimentStore } from "../../../src/store/types.js";
import { startFakeArize, type FakeArize, type FakeArizeOptions } from "../../support/fake-arize/index.js";

export const KEY = "ax-unit-secret-key-42";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

export async function fake(options: Partial<FakeArizeOptions> = {}): Promise<FakeArize> {
  const server = await startFakeArize({ apiKey: KEY, ...options });
  cleanups.push(() => server.close());
  return server;
}

/** A client on the fake with millisecond backoff (the policy's shape is what is tested, not its pace). */
export function client(server: FakeArize, options: ArizeClientOptions & { space?: string; apiKey?: string } = {}): ArizeClient {
  const { space = server.spaceId, apiKey = KEY, ...rest } = options;
  const c = new ArizeClient({ baseUrl: server.url, apiKey, space }, { retry: { minDelayMs: 1, maxDelayMs: 8, maxRetryAfterMs: 20 }, ...rest });
  cleanups.push(() => c.close());
  return c;
}

export async function tempStore(): Promise<ExperimentStore> {
  const dir = await mkdtemp(join(tmpdir(), "arize-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const store = openStore(dir);
  cleanups.push(() => store.close());
  return store;
}
