import type { Command } from "commander";
import { openStore, type JsonlExperimentStore } from "../store/jsonl-store.js";
import { resolveStoreDir } from "../store/paths.js";
import { resolve } from "node:path";

/** Where commands write. Tests pass their own; the bin passes the process's streams. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** What every command gets: its output, the environment, and the store the global options point at. */
export interface CliContext {
  io: CliIo;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** The global options (`--dir`, `--root`), as any command sees them. */
export interface GlobalOptions {
  dir?: string;
  root?: string;
}

/** The project root (`--root`, default the working directory); eval files are relative to it. */
export function projectRoot(context: CliContext, command: Command): string {
  const { root } = command.optsWithGlobals<GlobalOptions>();
  return resolve(context.cwd, root ?? ".");
}

/** The store the command works on: `--dir`, else `VITEST_EXPERIMENTS_DIR`, else `<root>/.vitest-experiments`. */
export function storeFor(context: CliContext, command: Command): JsonlExperimentStore {
  const { dir } = command.optsWithGlobals<GlobalOptions>();
  return openStore(resolveStoreDir({ root: projectRoot(context, command), dir: dir === undefined ? undefined : resolve(context.cwd, dir), env: context.env }));
}

/** An error meant for the person at the terminal: printed as `error: <message>`, no stack. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
