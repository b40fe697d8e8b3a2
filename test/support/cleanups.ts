import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { startFakePhoenix, type FakePhoenix, type FakePhoenixOptions } from "./fake-phoenix/index.js";

/**
 * What a test opens (servers, temporary folders, clients), closed after each test, newest first.
 * Call once at the top of a test file.
 */
export function useCleanups() {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  return {
    add(cleanup: () => Promise<unknown> | unknown): void {
      cleanups.push(cleanup);
    },
    async fakePhoenix(options?: FakePhoenixOptions): Promise<FakePhoenix> {
      const server = await startFakePhoenix(options);
      cleanups.push(() => server.close());
      return server;
    },
    async tempDir(prefix: string): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return dir;
    },
  };
}
