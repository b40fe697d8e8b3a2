/**
 * Names that must stay stable across runs, processes and sinks: CI systems track test history
 * by name, and the local store and JUnit address runs by them.
 */

/** The Vitest test case name of one run: the example id, with ` [rep i/N]` when N > 1. */
export function runTestName(exampleId: string, repetition: number, repetitions: number): string {
  return repetitions > 1 ? `${exampleId} [rep ${repetition}/${repetitions}]` : exampleId;
}

/** The name of the one test case per experiment that checks its aggregate gates. */
export const GATES_TEST_NAME = "[gates]";

/** The run id within an experiment; unique per example × repetition. */
export function runIdOf(experimentId: string, exampleId: string, repetition: number): string {
  return `${experimentId}/${exampleId}/${repetition}`;
}
