import type { ExperimentSink, SinkOutput } from "./types.js";

/**
 * One sink made of many. Each call goes to every sink in turn, awaited, and a sink that throws
 * is reported once per call and skipped: a broken JUnit path must not stop the local store, and
 * an unreachable Phoenix must not stop the summary.
 */
export function composeSinks(sinks: readonly ExperimentSink[], output: SinkOutput): Required<ExperimentSink> {
  const each = async (method: keyof Omit<ExperimentSink, "name">, args: unknown[]) => {
    for (const sink of sinks) {
      const fn = sink[method] as ((...a: unknown[]) => unknown) | undefined;
      if (!fn) continue;
      try {
        await fn.apply(sink, args);
      } catch (error) {
        output.warn(`vitest-experiments: the ${sink.name} sink failed in ${method}: ${(error as Error)?.message ?? String(error)}`);
      }
    }
  };
  return {
    name: sinks.map((s) => s.name).join("+"),
    experimentStarted: (experiment, examples) => each("experimentStarted", [experiment, examples]),
    runCompleted: (run, experiment) => each("runCompleted", [run, experiment]),
    experimentFinished: (result) => each("experimentFinished", [result]),
    close: () => each("close", []),
  };
}
