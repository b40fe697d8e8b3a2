import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { randomUUID } from "node:crypto";

/** A response as the cache handles it. On disk, headers are cut down to `content-type`. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface CacheFile {
  version: 1;
  /** Method and redacted URL, so a person browsing the folder knows what a file is. */
  request: { method: string; url: string };
  createdAt: string;
  response: StoredResponse;
}

/** One JSON file per key, in a two-character fan-out folder. Writes are atomic (temp file + rename). */
export class FileCache {
  constructor(readonly dir: string) {}

  #path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /** Undefined on a miss, and on an unreadable entry (a torn or foreign file is a miss, not a failure). */
  async get(key: string): Promise<StoredResponse | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path(key), "utf8");
    } catch {
      return undefined;
    }
    try {
      const file = JSON.parse(text) as CacheFile;
      if (file.version !== 1 || typeof file.response?.status !== "number" || typeof file.response.body !== "string") return undefined;
      return file.response;
    } catch {
      return undefined;
    }
  }

  async set(key: string, request: { method: string; url: string }, response: StoredResponse): Promise<void> {
    const path = this.#path(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    // Only content-type is kept: other response headers can carry cookies and request ids.
    const contentType = Object.entries(response.headers).find(([name]) => name.toLowerCase() === "content-type")?.[1];
    const kept: StoredResponse = { status: response.status, headers: contentType ? { "content-type": contentType } : {}, body: response.body };
    const file: CacheFile = { version: 1, request, createdAt: new Date().toISOString(), response: kept };
    const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(temporary, JSON.stringify(file), "utf8");
    // Concurrent workers writing the same key both rename a complete file; the last one wins.
    await rename(temporary, path);
  }
}
