import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { PhoenixConfig } from "../phoenix/config.js";
import type { OpenTelemetryModules } from "./load.js";

const PROJECT_ATTRIBUTE = "openinference.project.name";

/**
 * Sends finished spans to Phoenix's `/v1/traces` over OTLP/HTTP (protobuf, what Phoenix accepts),
 * under a trace project (Phoenix's `openinference.project.name` resource attribute). Exports go
 * one after the other, in batches; a failure is reported once and never thrown.
 */
export interface SpanShipper {
  /** Queues `spans` for export under `projectName`; resolves when they were sent (or failed). */
  ship(spans: readonly ReadableSpan[], projectName: string): Promise<void>;
  /** Waits for what is queued, then closes the exporter. */
  shutdown(): Promise<void>;
}

export interface SpanShipperOptions {
  phoenix: PhoenixConfig;
  otel: OpenTelemetryModules;
  /** Spans per request. Default 256. */
  batchSize?: number;
  /** Called once, with the first export failure; the message holds no header value nor the API key. */
  onExportError?: (message: string) => void;
}

export function createSpanShipper(options: SpanShipperOptions): SpanShipper {
  const { phoenix, otel } = options;
  const batchSize = options.batchSize ?? 256;
  const headers: Record<string, string> = { ...phoenix.headers, ...(phoenix.apiKey ? { authorization: `Bearer ${phoenix.apiKey}` } : {}) };
  const exporter = new otel.exporter.OTLPTraceExporter({ url: `${phoenix.host}/v1/traces`, headers });
  const secrets = Object.values(headers).filter((value) => value.length >= 4);
  const redact = (text: string) => secrets.reduce((out, secret) => out.split(secret).join("***"), text);
  const resources = new Map<string, ReturnType<typeof otel.resources.resourceFromAttributes>>();
  let queue: Promise<void> = Promise.resolve();
  let reported = false;

  const exportBatch = (batch: ReadableSpan[]) =>
    new Promise<void>((resolve) => {
      try {
        exporter.export(batch, (result) => {
          if (result.code !== 0) report(`could not export ${batch.length} spans to ${phoenix.host}/v1/traces: ${result.error?.message ?? "unknown error"}`);
          resolve();
        });
      } catch (error) {
        report(`could not export ${batch.length} spans to ${phoenix.host}/v1/traces: ${(error as Error)?.message ?? String(error)}`);
        resolve();
      }
    });

  function report(message: string): void {
    if (reported) return;
    reported = true;
    options.onExportError?.(redact(message));
  }

  return {
    ship(spans, projectName) {
      let resource = resources.get(projectName);
      if (!resource) resources.set(projectName, (resource = otel.resources.resourceFromAttributes({ [PROJECT_ATTRIBUTE]: projectName })));
      // Spans are recorded before the project is known: they are presented with its resource.
      const presented = spans.map((span) => Object.create(span, { resource: { value: resource } }) as ReadableSpan);
      for (let start = 0; start < presented.length; start += batchSize) {
        const batch = presented.slice(start, start + batchSize);
        queue = queue.then(() => exportBatch(batch));
      }
      return queue;
    },
    async shutdown() {
      await queue;
      await exporter.shutdown().catch(() => {});
    },
  };
}
