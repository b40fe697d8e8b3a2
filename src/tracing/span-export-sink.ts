import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { PhoenixConfig } from "../phoenix/config.js";
import type { ExperimentDescriptor, ExperimentResult } from "../record/types.js";
import type { PhoenixSink } from "../sinks/phoenix-sink.js";
import type { ExperimentSink, SinkOutput } from "../sinks/types.js";
import { loadOpenTelemetry, type OpenTelemetryModules } from "./load.js";
import { spanFromJson, type SpanJson } from "./span-json.js";
import { createSpanShipper, type SpanShipper } from "./span-shipper.js";

/**
 * The main process's half of tracing under the `vitest` binary: the spans each run recorded in
 * its worker (on its test's meta) are exported to Phoenix under the experiment's trace project,
 * which the Phoenix sink learns when the server creates the experiment. Place it after the
 * Phoenix sink: by the time an experiment finishes there, its project is known.
 */
export interface SpanExportSink extends ExperimentSink {
  readonly name: "traces";
  /** The spans of one run of `experiment`; call just before the run's `runCompleted`. */
  collect(experiment: ExperimentDescriptor, spans: readonly SpanJson[]): void;
}

export interface SpanExportSinkOptions {
  /** Where the experiment's trace project comes from (`serverIdsFor(experiment).projectName`). */
  phoenixSink: PhoenixSink;
  phoenix: PhoenixConfig;
  output: SinkOutput;
  /** Spans per request. Default 256. */
  batchSize?: number;
  /** For tests: the OpenTelemetry modules to use (default: imported; without them nothing is exported). */
  modules?: OpenTelemetryModules;
}

export function createSpanExportSink(options: SpanExportSinkOptions): SpanExportSink {
  const { phoenixSink, output } = options;
  const batchSize = options.batchSize ?? 256;
  /** Spans waiting for their experiment's project, by local experiment id. */
  const pending = new Map<string, SpanJson[]>();
  let shipping: Promise<{ shipper: SpanShipper; otel: OpenTelemetryModules } | undefined> | undefined;
  const exports = new Set<Promise<void>>();

  const shipper = () =>
    (shipping ??= (options.modules ? Promise.resolve(options.modules) : loadOpenTelemetry()).then((otel) => {
      if (!otel) return undefined;
      const shipper = createSpanShipper({
        phoenix: options.phoenix,
        otel,
        batchSize,
        onExportError: (message) => output.warn(`vitest-experiments: tracing: ${message}`),
      });
      return { shipper, otel };
    }));

  /** Exports the experiment's waiting spans (whole batches only, unless `all`) when its project is known. */
  function drain(experiment: ExperimentDescriptor, all: boolean): void {
    const waiting = pending.get(experiment.id);
    if (!waiting?.length) return;
    const projectName = phoenixSink.serverIdsFor(experiment)?.projectName;
    if (!projectName) return;
    const count = all ? waiting.length : waiting.length - (waiting.length % batchSize);
    if (count === 0) return;
    const batch = waiting.splice(0, count);
    const work = shipper().then((loaded) => {
      if (!loaded) return;
      const resource = loaded.otel.resources.emptyResource();
      return loaded.shipper.ship(batch.map((json): ReadableSpan => spanFromJson(json, resource)), projectName);
    });
    const tracked: Promise<void> = work.catch(() => {}).finally(() => exports.delete(tracked));
    exports.add(tracked);
  }

  return {
    name: "traces",
    collect(experiment, spans) {
      if (experiment.dryRun || spans.length === 0) return;
      const waiting = pending.get(experiment.id);
      if (waiting) waiting.push(...spans);
      else pending.set(experiment.id, [...spans]);
      drain(experiment, false);
    },
    async experimentFinished(result: ExperimentResult) {
      drain(result.experiment, true);
      // Without a project (the experiment never reached Phoenix), the spans have nowhere to go.
      pending.delete(result.experiment.id);
      while (exports.size > 0) await Promise.allSettled([...exports]);
    },
    async close() {
      pending.clear();
      while (exports.size > 0) await Promise.allSettled([...exports]);
      const loaded = shipping ? await shipping : undefined;
      shipping = undefined;
      await loaded?.shipper.shutdown();
    },
  };
}
