import { Command, CommanderError } from "commander";
import { BaselineFileError } from "../store/baseline-file.js";
import { StoreError } from "../store/errors.js";
import { commands } from "./commands/index.js";
import { CliError, type CliContext, type CliIo } from "./context.js";
import { packageVersion } from "../sinks/html-report/version.js";

/** Builds the `vitest-experiments` program; commands come from `commands/index.ts`. */
export function createProgram(context: CliContext): Command {
  const program = new Command("vitest-experiments")
    .description("Inspect, compare and export the experiments in the local store (.vitest-experiments/).")
    .version(packageVersion(), "-v, --version")
    .option("--dir <path>", "the store directory (default: $VITEST_EXPERIMENTS_DIR, else <root>/.vitest-experiments)")
    .option("--root <path>", "the project root that eval files are relative to (default: the working directory)")
    .showHelpAfterError("(run with --help for usage)")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void context.io.stdout.write(text),
      writeErr: (text) => void context.io.stderr.write(text),
    });
  // Settings above are copied onto every subcommand as it is created.
  for (const command of commands) command.register(program, context);
  return program;
}

/** Runs the CLI on `argv` (without `node` and the script) and returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo, options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<number> {
  const context: CliContext = { io, env: options.env ?? process.env, cwd: options.cwd ?? process.cwd() };
  const program = createProgram(context);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 1;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    // Commander has already printed its own message (usage errors, --help, --version).
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      io.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof StoreError || error instanceof BaselineFileError) {
      io.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof Error && error.stack && context.env.DEBUG) io.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
