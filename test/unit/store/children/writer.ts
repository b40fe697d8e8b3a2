/**
 * A real writer process for the store's crash and concurrency tests:
 *   node --import tsx writer.ts <storeDir> <experimentId> <runs> [--no-finish] [--output-bytes N]
 * Prints "started", then "run <i>" after each run is stored, then "finished".
 */
import { openStore } from "../../../../src/store/jsonl-store.js";
import { descriptor, result, run } from "../fixtures.js";

const [storeDir, experimentId, runCount, ...flags] = process.argv.slice(2);
if (!storeDir || !experimentId || !runCount) throw new Error("usage: writer.ts <storeDir> <experimentId> <runs> [--no-finish] [--output-bytes N]");
const finish = !flags.includes("--no-finish");
const bytesFlag = flags.indexOf("--output-bytes");
const outputBytes = bytesFlag >= 0 ? Number(flags[bytesFlag + 1]) : 16;

const store = openStore(storeDir);
const exampleIds = Array.from({ length: Number(runCount) }, (_, i) => `ex-${i}`);
const experiment = descriptor({ id: experimentId, name: `writer-${experimentId}`, dataset: { name: "big", exampleIds, totalExamples: exampleIds.length, contentHash: "h" } });
await store.startExperiment(experiment);
process.stdout.write("started\n");
const runs = [];
for (const [i, id] of exampleIds.entries()) {
  const record = run(experiment, id, { accuracy: i % 2 }, { output: { text: "x".repeat(outputBytes), i } });
  runs.push(record);
  await store.appendRun(record);
  process.stdout.write(`run ${i}\n`);
}
if (finish) {
  await store.finishExperiment(result(experiment, runs));
  process.stdout.write("finished\n");
}
await store.close();
