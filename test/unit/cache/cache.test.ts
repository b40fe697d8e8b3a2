import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  cached,
  cachedRequest,
  configureCache,
  getCacheStats,
  redactUrl,
  requestKey,
  resetCacheStats,
  resolveCacheSettings,
  withCacheScope,
} from "../../../src/cache/index.js";

describe("resolveCacheSettings", () => {
  const root = "/project";

  it("is on locally, under the store directory", () => {
    expect(resolveCacheSettings({}, {}, root)).toEqual({ enabled: true, dir: "/project/.vitest-experiments/cache", reason: "on: local run" });
    expect(resolveCacheSettings({}, { VITEST_EXPERIMENTS_DIR: "store" }, root).dir).toBe("/project/store/cache");
    expect(resolveCacheSettings({}, { VITEST_EXPERIMENTS_CACHE_DIR: "/tmp/llm" }, root).dir).toBe("/tmp/llm");
  });

  it("is off in CI unless turned on explicitly", () => {
    expect(resolveCacheSettings({}, { CI: "true" }, root)).toMatchObject({ enabled: false, reason: "off: CI is set (VITEST_EXPERIMENTS_CACHE=true turns it on)" });
    expect(resolveCacheSettings({}, { CI: "false" }, root).enabled).toBe(true);
    expect(resolveCacheSettings({}, { CI: "1", VITEST_EXPERIMENTS_CACHE: "true" }, root)).toMatchObject({ enabled: true, reason: "on: VITEST_EXPERIMENTS_CACHE=true" });
  });

  it("VITEST_EXPERIMENTS_CACHE=false turns it off locally; a bad value names the variable", () => {
    expect(resolveCacheSettings({}, { VITEST_EXPERIMENTS_CACHE: "false" }, root).enabled).toBe(false);
    expect(resolveCacheSettings({}, { VITEST_EXPERIMENTS_CACHE: "0" }, root).enabled).toBe(false);
    expect(() => resolveCacheSettings({}, { VITEST_EXPERIMENTS_CACHE: "maybe" }, root)).toThrow('VITEST_EXPERIMENTS_CACHE="maybe": expected one of true, false, 1, 0, on, off');
  });

  it("explicit overrides win", () => {
    expect(resolveCacheSettings({ enabled: true, dir: "c" }, { CI: "true" }, root)).toEqual({ enabled: true, dir: "/project/c", reason: "on: configured" });
  });
});

describe("request keys", () => {
  const base = { method: "POST", url: "http://h/v1/chat/completions", body: '{"model":"m","temperature":0}' };

  it("change with method, URL, every byte of the body, and the repetition", () => {
    const key = requestKey(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(requestKey({ ...base })).toBe(key);
    expect(requestKey({ ...base, method: "post" })).toBe(key);
    expect(requestKey({ ...base, url: "http://h/v1/other" })).not.toBe(key);
    expect(requestKey({ ...base, body: '{"model":"m","temperature":1}' })).not.toBe(key);
    expect(requestKey({ ...base, repetition: 1 })).not.toBe(key);
    expect(requestKey({ ...base, repetition: 2 })).not.toBe(requestKey({ ...base, repetition: 1 }));
  });

  it("are stored beside URLs whose credentials are blanked", () => {
    expect(redactUrl("https://user:pw@x.openai.azure.com/openai?api-key=abc&api-version=2024")).toBe(
      "https://x.openai.azure.com/openai?api-key=REDACTED&api-version=2024",
    );
  });
});

describe("cached()", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "vx-cache-"));
    configureCache({ enabled: true, dir });
    resetCacheStats();
  });
  afterEach(async () => {
    configureCache({});
    await rm(dir, { recursive: true, force: true });
  });

  it("pays once for identical calls, counting hits and misses", async () => {
    let calls = 0;
    const answer = cached(async function answer(question: string, options: { model: string; signal?: AbortSignal }) {
      calls++;
      return { text: `${question} (${options.model}) #${calls}` };
    });
    const signal = new AbortController().signal;
    expect(await answer("hi", { model: "a", signal })).toEqual({ text: "hi (a) #1" });
    expect(await answer("hi", { model: "a" })).toEqual({ text: "hi (a) #1" });
    expect(await answer("hi", { model: "b" })).toEqual({ text: "hi (b) #2" });
    expect(calls).toBe(2);
    expect(getCacheStats()).toEqual({ hits: 1, misses: 2, writes: 2 });
  });

  it("keeps repetitions apart through the engine's scope, unless shared", async () => {
    let calls = 0;
    const fresh = cached(async (prompt: string) => `${prompt}#${++calls}`, { name: "fresh" });
    const shared = cached(async (prompt: string) => `${prompt}#${++calls}`, { name: "shared", shareAcrossRepetitions: true });
    const first = await withCacheScope({ repetition: 1 }, () => fresh("p"));
    const second = await withCacheScope({ repetition: 2 }, () => fresh("p"));
    const again = await withCacheScope({ repetition: 2 }, async (scope) => {
      const value = await fresh("p");
      expect(scope.stats).toEqual({ hits: 1, misses: 0, writes: 0 });
      return value;
    });
    expect([first, second, again]).toEqual(["p#1", "p#2", "p#2"]);
    const s1 = await withCacheScope({ repetition: 1 }, () => shared("q"));
    const s2 = await withCacheScope({ repetition: 2 }, () => shared("q"));
    expect(s2).toBe(s1);
  });

  it("keeps functions apart by name and demands a name", async () => {
    const one = cached(async () => 1, { name: "one" });
    const two = cached(async () => 2, { name: "two" });
    expect([await one(), await two()]).toEqual([1, 2]);
    expect(() => cached(async () => 1)).toThrow("cached(): the function has no name");
  });

  it("does not cache errors", async () => {
    let calls = 0;
    const flaky = cached(async function flaky() {
      if (++calls === 1) throw new Error("boom");
      return "ok";
    });
    await expect(flaky()).rejects.toThrow("boom");
    expect(await flaky()).toBe("ok");
    expect(await flaky()).toBe("ok");
    expect(calls).toBe(2);
  });

  it("reads from disk: a torn entry is a miss, a removed folder forgets", async () => {
    let calls = 0;
    const count = cached(async function count() {
      return ++calls;
    });
    expect(await count()).toBe(1);
    const [fanout] = await readdir(dir);
    const [file] = await readdir(join(dir, fanout!));
    await writeFile(join(dir, fanout!, file!), '{"version":1,"resp');
    expect(await count()).toBe(2);
    expect(await count()).toBe(2);
    await rm(dir, { recursive: true, force: true });
    expect(await count()).toBe(3);
  });

  it("does nothing when disabled", async () => {
    configureCache({ enabled: false, dir });
    let calls = 0;
    const count = cached(async function count() {
      return ++calls;
    });
    await count();
    await count();
    expect(calls).toBe(2);
    expect(getCacheStats()).toEqual({ hits: 0, misses: 0, writes: 0 });
    await expect(readdir(dir)).resolves.toEqual([]);
  });

  it("still answers when the cache cannot be written", async () => {
    const blocked = join(dir, "blocked");
    await writeFile(blocked, "a file where a folder should be");
    configureCache({ enabled: true, dir: join(blocked, "cache") });
    const result = await cachedRequest({ method: "POST", url: "http://h/x", body: "{}" }, async () => ({ status: 200, headers: {}, body: "ok" }));
    expect(result).toEqual({ response: { status: 200, headers: {}, body: "ok" }, cache: "miss" });
  });

  it("does not store non-2xx responses", async () => {
    await mkdir(dir, { recursive: true });
    const send = async () => ({ status: 400, headers: {}, body: "bad" });
    await cachedRequest({ method: "POST", url: "http://h/x", body: "{}" }, send);
    expect((await cachedRequest({ method: "POST", url: "http://h/x", body: "{}" }, send)).cache).toBe("miss");
  });
});
