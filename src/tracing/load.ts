/**
 * OpenTelemetry is an optional peer: these modules are imported only when tracing is on, and
 * everything works without them installed (tracing is then off, silently).
 */

export interface OpenTelemetryModules {
  api: typeof import("@opentelemetry/api");
  sdk: typeof import("@opentelemetry/sdk-trace-base");
  resources: typeof import("@opentelemetry/resources");
  exporter: typeof import("@opentelemetry/exporter-trace-otlp-proto");
  contextManager: typeof import("@opentelemetry/context-async-hooks");
}

/** The packages tracing needs, as users install them. */
export const TRACING_PACKAGES = [
  "@opentelemetry/api",
  "@opentelemetry/sdk-trace-base",
  "@opentelemetry/resources",
  "@opentelemetry/exporter-trace-otlp-proto",
  "@opentelemetry/context-async-hooks",
] as const;

let loading: Promise<OpenTelemetryModules | undefined> | undefined;

/** The OpenTelemetry modules, or undefined when any of them is not installed. Loaded once. */
export function loadOpenTelemetry(importModule?: (name: string) => Promise<unknown>): Promise<OpenTelemetryModules | undefined> {
  // Only the real import is cached: tests pass their own.
  if (importModule) return load(importModule);
  loading ??= load((name) => import(name));
  return loading;
}

async function load(importModule: (name: string) => Promise<unknown>): Promise<OpenTelemetryModules | undefined> {
  try {
    const [api, sdk, resources, exporter, contextManager] = await Promise.all(TRACING_PACKAGES.map((name) => importModule(name)));
    return { api, sdk, resources, exporter, contextManager } as OpenTelemetryModules;
  } catch {
    return undefined;
  }
}

/** Tracing is on unless `VITEST_EXPERIMENTS_TRACING` is false/0/no/off (it still needs the packages and Phoenix). */
export function tracingDisabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.VITEST_EXPERIMENTS_TRACING?.trim().toLowerCase();
  return value === "false" || value === "0" || value === "no" || value === "off";
}
