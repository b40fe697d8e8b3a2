import { datasets, experiment } from "vitest-experiments";
import { jsonSchema, numericCloseness } from "vitest-experiments/evaluators";
import { extractInvoice } from "./extract.js";

const invoiceSchema = {
  type: "object",
  required: ["number", "vendor", "date", "total", "currency"],
  properties: {
    number: { type: "string" },
    vendor: { type: "string" },
    date: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
    total: { type: "number" },
    currency: { enum: ["EUR", "USD", "GBP"] },
  },
};

const FIELDS = ["number", "vendor", "date", "currency"] as const;

experiment("invoice-extraction", {
  description: "Structured extraction of invoice fields",
  dataset: datasets.fromFile("examples/invoice-extraction/invoices.json"),
  task: ({ input }) => extractInvoice(input.text),
  evaluators: {
    valid_json: jsonSchema(invoiceSchema),
    total_close: numericCloseness({ outputKey: "total", expectedKey: "total", relative: 0.001 }),
    // Share of text fields extracted exactly, with the misses named.
    field_accuracy: ({ output, expected }) => {
      const wrong = FIELDS.filter((f) => output[f] !== expected[f]);
      return {
        score: (FIELDS.length - wrong.length) / FIELDS.length,
        explanation: wrong.length ? `wrong: ${wrong.map((f) => `${f}=${JSON.stringify(output[f])} (expected ${JSON.stringify(expected[f])})`).join(", ")}` : "all fields correct",
      };
    },
  },
  thresholds: {
    valid_json: { perRun: 1 },
    total_close: 0.95,
    field_accuracy: { mean: 0.9, maxDrop: 0.05 },
  },
});
