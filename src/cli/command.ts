import type { Command } from "commander";
import type { CliContext } from "./context.js";

/**
 * One CLI command. Each lives in its own module under `commands/` and is listed once in
 * `commands/index.ts`; `register` adds it (with its options and `--help`) to the program.
 */
export interface CliCommand {
  register(program: Command, context: CliContext): void;
}
