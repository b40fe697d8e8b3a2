import { fileURLToPath } from "node:url";
import { resolveShard } from "../declaration/shard.js";
import type { ShardSpec } from "../record/shard.js";
import { PROVIDE_KEY, type ProvidedSettings } from "./provided.js";
import type { Plugin } from "vite";
import type { TestProjectInlineConfiguration } from "vitest/config";
import type { VitestPluginContext } from "vitest/node";
import { ExperimentsReporter, type ExperimentsReporterOptions } from "../reporter/experiments-reporter.js";
import { enforceSupportedVersions } from "./supported.js";
import { defaultBlobFolder } from "./blob-folder.js";

export interface ExperimentsProjectOptions extends ExperimentsReporterOptions {
  /** Project name, for `vitest --project <name>`. Default `evals`. */
  name?: string;
  /** Eval files. Default `**\/*.eval.{ts,mts,js,mjs}`. */
  include?: string[];
  exclude?: string[];
  /**
   * This machine's share of every experiment's runs when one experiment is split across CI
   * machines: `"2/4"` or `{ index: 2, count: 4 }`. Default: `VITEST_EXPERIMENTS_SHARD`. Each
   * shard runs the runs a stable hash of example id and repetition assigns to it; merge the
   * shards' blob reports with `vitest run --merge-reports` for the one verdict.
   */
  shard?: string | ShardSpec;
  /**
   * What the project inherits, as Vitest's `extends`: by default nothing (the same on Vitest 4 and
   * 5); `true` for the config that declares it (its `resolve.alias`, plugins, `setupFiles`...; arrays
   * such as `include` are merged), or a path to a config file.
   */
  extends?: string | true;
}

/** An empty config file: what the project extends by default, so it inherits nothing on Vitest 4 and 5 alike. */
const ISOLATED = fileURLToPath(new URL("./isolated-project.config.js", import.meta.url));

/**
 * The Vitest project that runs experiments. Putting it in `test.projects` is all the
 * configuration needed: it includes the eval files, installs the experiments runner, leaves
 * timeouts and concurrency to the engine, and registers the reporter itself.
 */
export function experimentsProject(options: ExperimentsProjectOptions = {}): TestProjectInlineConfiguration {
  // Called while Vitest loads the config: the first place to stop an unsupported Vitest or Node
  // with one message, before its workers fail to load the runner.
  enforceSupportedVersions();
  const { name = "evals", include = ["**/*.eval.{ts,mts,js,mjs}"], exclude, shard: shardOption, extends: inherit = ISOLATED, ...reporterOptions } = options;
  // Checked here, once, in the main process: a bad value stops the run before any file is collected.
  const shard = resolveShard(shardOption);
  return {
    extends: inherit,
    plugins: [experimentsReporterPlugin(reporterOptions), ...(shard ? [shardBlobNamePlugin(shard)] : [])],
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
          shard: shard ?? null,
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

/**
 * On a shard, names the blob report after the shard (`blob-experiments-2-4.json`, plus Vitest's
 * own `--shard` when both split the run), in the folder the running Vitest's `--merge-reports`
 * reads by default (`defaultBlobFolder`), unless an output file for the blob reporter
 * is configured: every machine of a CI matrix would otherwise write `blob.json`, and the reports
 * would overwrite each other when the merge job downloads them into one folder.
 */
function shardBlobNamePlugin(shard: ShardSpec): Plugin {
  return {
    name: "vitest-experiments:shard-blob-name",
    configureVitest({ vitest }: { vitest: { version: string; config: { outputFile?: string | Record<string, string>; shard?: { index: number; count: number } } } }) {
      const { config } = vitest;
      if (typeof config.outputFile === "string" || config.outputFile?.blob) return;
      const files = config.shard ? `-files-${config.shard.index}-${config.shard.count}` : "";
      config.outputFile = { ...config.outputFile, blob: `${defaultBlobFolder(vitest.version)}/blob-experiments-${shard.index}-${shard.count}${files}.json` };
    },
  } as Plugin;
}
