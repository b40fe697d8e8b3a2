import { fileURLToPath } from "node:url";
import { PROVIDE_KEY, type ProvidedSettings } from "./provided.js";
import type { Plugin } from "vite";
import type { TestProjectInlineConfiguration } from "vitest/config";
import type { VitestPluginContext } from "vitest/node";
import { ExperimentsReporter, type ExperimentsReporterOptions } from "../reporter/experiments-reporter.js";
import { enforceSupportedVersions } from "./supported.js";

export interface ExperimentsProjectOptions extends ExperimentsReporterOptions {
  /** Project name, for `vitest --project <name>`. Default `evals`. */
  name?: string;
  /** Eval files. Default `**\/*.eval.{ts,mts,js,mjs}`. */
  include?: string[];
  exclude?: string[];
  /**
   * What the project inherits, as Vitest's `extends`: by default nothing (the same on Vitest 4 and
   * 5); `true` for the config that declares it (its `resolve.alias`, plugins, `setupFiles`...; arrays
   * such as `include` are merged), or a path to a config file.
   */
  extends?: string | true;
}

/**
 * The Vitest project that runs experiments. Putting it in `test.projects` is all the
 * configuration needed: it includes the eval files, installs the experiments runner, leaves
 * timeouts and concurrency to the engine, and registers the reporter itself.
 */
const ISOLATED = fileURLToPath(new URL("./isolated-project.config.js", import.meta.url));

export function experimentsProject(options: ExperimentsProjectOptions = {}): TestProjectInlineConfiguration {
  // Called while Vitest loads the config: the first place to stop an unsupported Vitest or Node
  // with one message, before its workers fail to load the runner.
  enforceSupportedVersions();
  const { name = "evals", include = ["**/*.eval.{ts,mts,js,mjs}"], exclude, extends: inherit = ISOLATED, ...reporterOptions } = options;
  return {
    extends: inherit,
    plugins: [experimentsReporterPlugin(reporterOptions)],
    test: {
      name,
      include,
      ...(exclude ? { exclude: ["**/node_modules/**", "**/dist/**", ...exclude] } : {}),
      runner: fileURLToPath(new URL("./runner.js", import.meta.url)),
      // Each run test waits on the engine, which applies the experiment's own per-attempt
      // timeout and concurrency; Vitest's limits would cut runs queued behind the engine's limiter.
      testTimeout: 0,
      maxConcurrency: 100_000,
      // The workers need the store (baselines for maxDrop) where the reporter writes it.
      provide: {
        [PROVIDE_KEY]: {
          storeDir: reporterOptions.storeDir ?? "",
          phoenix: reporterOptions.phoenix === false ? "off" : reporterOptions.phoenix?.host ? "configured" : "env",
        } satisfies ProvidedSettings,
      },
    },
  };
}

/**
 * Registers the reporter from the plugin's `configureVitest` hook, before Vitest creates its
 * reporters. Unlike a `reporters` entry in the config, this survives a `--reporter` flag on the
 * command line (which replaces configured reporters), so the summary, JUnit, the store and
 * uploads never silently stop because someone chose `--reporter=dot`.
 */
export function experimentsReporterPlugin(options: ExperimentsReporterOptions = {}): Plugin {
  enforceSupportedVersions();
  return {
    name: "vitest-experiments:reporter",
    configureVitest({ vitest }: VitestPluginContext) {
      const reporters = vitest.config.reporters;
      if (reporters.some((r) => ExperimentsReporter.isExperimentsReporter(r))) return;
      reporters.push(new ExperimentsReporter(options));
    },
  };
}
