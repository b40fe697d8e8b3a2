/**
 * The folder the running Vitest writes blob reports to (`--reporter=blob` without an output file)
 * and `vitest --merge-reports` reads when given no folder: `.vitest-reports` up to Vitest 4,
 * `.vitest/blob` from Vitest 5. A shard's blob report named by this package goes there, so a bare
 * `--merge-reports` on the same Vitest finds it.
 */
export function defaultBlobFolder(vitestVersion: string): string {
  const major = Number(/^v?(\d+)\./.exec(vitestVersion.trim())?.[1]);
  return Number.isFinite(major) && major >= 5 ? ".vitest/blob" : ".vitest-reports";
}
