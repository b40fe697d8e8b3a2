import { datasets, experiment } from "vitest-experiments";
import { exactMatch } from "vitest-experiments/evaluators";
import { classify } from "./classify.js";

experiment("ticket-intent", {
  description: "Routes support tickets to the right queue",
  dataset: datasets.fromFile("examples/ticket-classifier/tickets.csv", {
    idKey: "ticket_id",
    inputKeys: ["text"],
    outputKeys: ["intent"],
    metadataKeys: ["channel"],
    splitKey: "split",
  }),
  splits: ["test"],
  task: ({ input }) => classify(input.text),
  evaluators: [
    exactMatch({ outputKey: "intent", expectedKey: "intent", caseSensitive: false }),
    // A calibrated classifier is confident when it is right.
    function confident({ output }) {
      return { score: output.confidence, label: output.confidence >= 0.5 ? "confident" : "unsure" };
    },
  ],
  thresholds: {
    // Individual misses are tolerated; the share of correct tickets is the gate.
    exact_match: { perRun: 1, passRate: 0.8 },
    confident: 0.6,
  },
});
