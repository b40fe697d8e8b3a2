/** `vitest-experiments/reporter`: the reporter, for configurations that register reporters by hand. */
export { ExperimentsReporter, type ExperimentsReporterOptions } from "./reporter/experiments-reporter.js";
export { ExperimentsReporter as default } from "./reporter/experiments-reporter.js";
