import { relative } from "node:path";
import { openStore, resolveStoreDir, experimentLogPath } from "../store/index.js";
import type { ExperimentStore } from "../store/types.js";
import { createStoreSink } from "../sinks/store-sink.js";
import { createJUnitSink, resolveJUnitPath } from "../sinks/junit/index.js";
import { createStepSummarySink, stepSummaryPathFromEnv, type BaselineComparison } from "../sinks/markdown/index.js";
import { createPhoenixSink, type PhoenixSink } from "../sinks/phoenix-sink.js";
import { PhoenixClient } from "../phoenix/client.js";
import { resolvePhoenixConfig, uploadDisabledByEnv, type PhoenixConfigOptions } from "../phoenix/config.js";
import { createArizeSink } from "../sinks/arize-sink.js";
import { ArizeClient } from "../arize/client.js";
import { resolveArizeConfig, type ArizeConfigOptions } from "../arize/config.js";
import { createSummarySink } from "../sinks/terminal/summary-sink.js";
import { createHtmlReportSink, resolveReportPath } from "../sinks/html-report/index.js";
import { createPalette } from "../sinks/terminal/palette.js";
import type { ExperimentDescriptor, ExperimentResult } from "../record/types.js";
import type { ExperimentSink, SinkOutput } from "../sinks/types.js";

/** Where experiment records go; every destination can be switched off. */
export interface SinkOptions {
  /** JUnit XML path; `true` for `reports/experiments.junit.xml`; `false` for none. Default: `VITEST_EXPERIMENTS_JUNIT`, or the default path when `CI` is set. */
  junit?: string | boolean;
  /** Local store directory; `false` for none. Default: `VITEST_EXPERIMENTS_DIR`, else `.vitest-experiments/`. */
  storeDir?: string | false;
  /** GitHub step summary file; `false` for none. Default: `GITHUB_STEP_SUMMARY`. */
  stepSummary?: string | false;
  /** Phoenix server; `false` never uploads. Default: `PHOENIX_HOST`, `PHOENIX_API_KEY`, `PHOENIX_CLIENT_HEADERS`. */
  phoenix?: PhoenixConfigOptions | false;
  /** Arize AX; `false` never uploads. Default: `ARIZE_API_KEY`, `ARIZE_SPACE_ID`, `ARIZE_BASE_URL`. */
  arize?: ArizeConfigOptions | false;
  /** HTML report path; `true` for `reports/experiments.html`; `false` for none. Default: `VITEST_EXPERIMENTS_REPORT`, else none. */
  report?: string | boolean;
  /** Colours in the summary; default: detected from the terminal (NO_COLOR, FORCE_COLOR, TTY). */
  colors?: boolean;
}

export interface SinkContext {
  output: SinkOutput;
  root: string;
  previousMeans?: Map<string, Record<string, number>>;
  env?: NodeJS.ProcessEnv;
  /**
   * Replaying blob reports (`vitest --merge-reports`): sinks that upload to a server are left out,
   * because the processes that ran the tests uploaded every run already (all shards of a sharded
   * experiment into one remote experiment), and a second upload would duplicate them.
   */
  replaying?: boolean;
}

/**
 * The sinks the reporter and `runExperiment()` write to, as the options and environment say. The
 * store comes first: the upload keeps its bookkeeping (what is still pending) in the experiment
 * the store has just opened.
 */
export function createDefaultSinks(options: SinkOptions, context: SinkContext): ExperimentSink[] {
  const env = context.env ?? process.env;
  let store: ExperimentStore | undefined;
  if (options.storeDir !== false) store = openStore(resolveStoreDir({ root: context.root, dir: options.storeDir, env }));
  const phoenix = context.replaying ? undefined : createPhoenix(options, context, store, env);

  const linkFor = (experiment: ExperimentDescriptor): string | undefined =>
    phoenix?.linkFor(experiment) ?? (store && experiment.dryRun === null ? relative(context.root, experimentLogPath(store.dir, experiment.id)) : undefined);

  const sinks: ExperimentSink[] = [];
  if (store) sinks.push(createStoreSink(store));
  sinks.push(
    createSummarySink({
      output: context.output,
      palette: createPalette(options.colors),
      ...(context.previousMeans ? { previousMeans: context.previousMeans } : {}),
      linksFor: (experiment) => {
        const link = linkFor(experiment);
        return link ? [`→ ${link}`] : [];
      },
    }),
  );
  const junit = resolveJUnitPath({ option: options.junit, env, root: context.root });
  if (junit) sinks.push(createJUnitSink({ path: junit, projectRoot: context.root }));
  const report = resolveReportPath({ option: options.report, env, root: context.root });
  if (report) sinks.push(createHtmlReportSink({ path: report }));
  const stepSummary = options.stepSummary === false ? undefined : (options.stepSummary ?? stepSummaryPathFromEnv(env));
  if (stepSummary) {
    sinks.push(createStepSummarySink({ path: stepSummary, baselineFor: stepSummaryComparison, linkFor: (result) => linkFor(result.experiment) }));
  }
  // Last: finishing an experiment waits for its uploads, which must not hold back the local
  // sinks (a slow Phoenix during an interrupt would otherwise cost the summary and JUnit).
  if (phoenix) sinks.push(phoenix);
  const arize = context.replaying ? undefined : createArize(options, context, store, env);
  if (arize) sinks.push(arize);
  return sinks;
}

function createPhoenix(options: SinkOptions, context: SinkContext, store: ExperimentStore | undefined, env: NodeJS.ProcessEnv): PhoenixSink | undefined {
  if (options.phoenix === false || uploadDisabledByEnv(env)) return undefined;
  let config;
  try {
    config = resolvePhoenixConfig(options.phoenix || {}, env);
  } catch (error) {
    context.output.warn(`vitest-experiments: Phoenix upload is off: ${(error as Error).message}`);
    return undefined;
  }
  if (!config) return undefined;
  return createPhoenixSink({ client: new PhoenixClient(config), ...(store ? { store } : {}), output: context.output, projectRoot: context.root, closeClient: true });
}

function createArize(options: SinkOptions, context: SinkContext, store: ExperimentStore | undefined, env: NodeJS.ProcessEnv): ExperimentSink | undefined {
  if (options.arize === false || uploadDisabledByEnv(env)) return undefined;
  let config;
  try {
    config = resolveArizeConfig(options.arize || {}, env);
  } catch (error) {
    context.output.warn(`vitest-experiments: Arize AX upload is off: ${(error as Error).message}`);
    return undefined;
  }
  if (!config) return undefined;
  return createArizeSink({ client: new ArizeClient(config), ...(store ? { store } : {}), output: context.output, closeClient: true });
}

function stepSummaryComparison(result: ExperimentResult): BaselineComparison | undefined {
  const baseline = result.baseline;
  if (!baseline) return undefined;
  const deltas: BaselineComparison["deltas"] = {};
  for (const e of baseline.evaluators) if (e.baseline !== null) deltas[e.evaluator] = { baseline: e.baseline, current: e.current };
  return { deltas, regressed: baseline.regressed, improved: baseline.improved, source: baseline.source };
}
