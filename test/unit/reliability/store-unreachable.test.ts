import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { openStore } from "../../../src/store/index.js";

/**
 * A store directory that cannot exist (a part of its path is a regular file) holds no experiments:
 * reading it must say so, not throw, so that the gates test (which looks for a baseline in the
 * store) still judges the gates when the store is unwritable. Writing to it is what reports the
 * error, once, through the store sink.
 */
test("a store under a regular file lists and reads nothing instead of failing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "store-under-file-"));
  await writeFile(join(dir, "file"), "not a directory");
  const store = openStore(join(dir, "file", "store"));
  await expect(store.listExperiments()).resolves.toEqual([]);
  await expect(store.listExperiments({ name: "qa" })).resolves.toEqual([]);
  await expect(store.readExperiment("qa")).resolves.toBeUndefined();
});
