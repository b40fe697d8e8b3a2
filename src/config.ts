/** `vitest-experiments/config`: the Vitest project helper. */
export { experimentsProject, experimentsReporterPlugin, type ExperimentsProjectOptions } from "./vitest/project.js";
