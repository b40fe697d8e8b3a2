const ROOT = Symbol.for("vitest-experiments.projectRoot");

/** Called by the Vitest runner with the project's root; the programmatic path uses the cwd. */
export function setProjectRoot(root: string): void {
  (globalThis as Record<symbol, unknown>)[ROOT] = root;
}

export function projectRoot(): string {
  return ((globalThis as Record<symbol, unknown>)[ROOT] as string | undefined) ?? process.cwd();
}
