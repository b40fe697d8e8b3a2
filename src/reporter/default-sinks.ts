import { openStore, resolveStoreDir } from "../store/index.js";
import { createStoreSink } from "../sinks/store-sink.js";
import { createJUnitSink, resolveJUnitPath } from "../sinks/junit/index.js";
import { createSummarySink } from "../sinks/terminal/summary-sink.js";
import { createPalette } from "../sinks/terminal/palette.js";
import type { ExperimentSink, SinkOutput } from "../sinks/types.js";

/** Where experiment records go; every destination can be switched off. */
export interface SinkOptions {
  /** JUnit XML path; `true` for `reports/experiments.junit.xml`; `false` for none. Default: `VITEST_EXPERIMENTS_JUNIT`, or the default path when `CI` is set. */
  junit?: string | boolean;
  /** Local store directory; `false` for none. Default: `VITEST_EXPERIMENTS_DIR`, else `.vitest-experiments/`. */
  storeDir?: string | false;
  /** Colours in the summary; default: detected from the terminal (NO_COLOR, FORCE_COLOR, TTY). */
  colors?: boolean;
}

export interface SinkContext {
  output: SinkOutput;
  root: string;
  watch: boolean;
  previousMeans?: Map<string, Record<string, number>>;
  env?: NodeJS.ProcessEnv;
}

/** The sinks the reporter and `runExperiment()` write to, as the options and environment say. */
export function createDefaultSinks(options: SinkOptions, context: SinkContext): ExperimentSink[] {
  const env = context.env ?? process.env;
  const sinks: ExperimentSink[] = [
    createSummarySink({
      output: context.output,
      palette: createPalette(options.colors),
      ...(context.previousMeans ? { previousMeans: context.previousMeans } : {}),
    }),
  ];
  if (options.storeDir !== false) {
    const dir = resolveStoreDir({ root: context.root, dir: options.storeDir, env });
    sinks.push(createStoreSink(openStore(dir)));
  }
  const junit = resolveJUnitPath({ option: options.junit, env, root: context.root });
  if (junit) sinks.push(createJUnitSink({ path: junit, projectRoot: context.root }));
  return sinks;
}
