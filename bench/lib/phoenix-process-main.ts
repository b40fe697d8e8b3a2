/** Child side of phoenix-process.ts: serves until killed, answers `landed` queries over IPC. */
import { startFakePhoenix } from "../../test/support/fake-phoenix/index.js";
import { startTracesFront } from "./traces-front.js";

const latencyMs = Number(process.argv[2] ?? 0);
const phoenix = await startFakePhoenix(latencyMs > 0 ? { faults: { latencyMs } } : {});
const front = await startTracesFront(phoenix.url);

process.on("message", (message: { type: string }) => {
  if (message.type !== "landed") return;
  const { state } = phoenix;
  const experiment = state.experiments[0];
  const runs = experiment ? state.runs.filter((r) => r.experimentRowId === experiment.rowId) : [];
  const runIds = new Set(runs.map((r) => r.rowId));
  const evaluations = state.evaluations.filter((e) => runIds.has(e.runRowId));
  process.send!({
    type: "landed",
    landed: {
      runs: runs.length,
      distinctRuns: new Set(runs.map((r) => `${r.exampleRowId}#${r.repetition}`)).size,
      evaluations: evaluations.length,
      distinctEvaluations: new Set(evaluations.map((e) => `${e.runRowId}/${e.name}`)).size,
      apiRequests: state.requests.length,
      traceRequests: front.traceRequests(),
    },
  });
});
process.on("SIGTERM", () => {
  void Promise.all([front.close(), phoenix.close()]).then(() => process.exit(0));
});
process.send!({ type: "ready", url: front.url });
