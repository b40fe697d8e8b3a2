import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Replaces `path` with `text` so that readers only ever see the old file or the new one: written
 * beside it, then renamed over it. A process killed mid-write leaves the previous report intact.
 */
export async function writeFileAtomic(path: string, text: string, what = "JUnit report"): Promise<void> {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await mkdir(directory, { recursive: true });
    await writeFile(temporary, text, "utf8");
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${what} could not be written to ${path}: ${reason}`, { cause: error });
  }
}
