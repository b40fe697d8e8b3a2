import type { Example } from "../../datasets/types.js";
import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../../record/types.js";
import { writeFileAtomic } from "../junit/write.js";
import type { ExperimentSink } from "../types.js";
import { exampleText, reportData, reportExperiment, type ExampleText } from "./data.js";
import type { ReportExperiment } from "./model.js";
import { renderReport } from "./page.js";
import { packageVersion } from "./version.js";

export interface HtmlReportSinkOptions {
  /** Absolute path of the page (see `resolveReportPath`). */
  path: string;
}

/** An experiment whose runs are still arriving. */
interface Open {
  state: "open";
  experiment: ExperimentDescriptor;
  examples: Map<string, ExampleText>;
  runs: RunRecord[];
}
/** A finished experiment, kept only as its report data (runs already reduced to capped text). */
interface Done {
  state: "done";
  name: string;
  file: string | undefined;
  report: ReportExperiment;
}

/**
 * Writes the HTML report of the experiments of this test run: rewritten (atomically) each time
 * an experiment finishes, and once more on `close`, when experiments that never finished are
 * added as incomplete with the runs they completed. When an experiment of the same name and file
 * starts again (watch mode), its earlier entry is replaced. Dry runs are reported too: the page is
 * something to look at, not a record.
 */
export function createHtmlReportSink(options: HtmlReportSinkOptions): ExperimentSink {
  const { path } = options;
  // Insertion order is report order: experiments appear in the order they started.
  const entries = new Map<string, Open | Done>();
  let writing: Promise<void> = Promise.resolve();
  let closed = false;

  function open(experiment: ExperimentDescriptor, examples: readonly Example[] = []): Open {
    const existing = entries.get(experiment.id);
    if (existing?.state === "open") return existing;
    for (const [id, entry] of entries) {
      if (entry.state === "done" && entry.name === experiment.name && entry.file === experiment.file) entries.delete(id);
    }
    const entry: Open = { state: "open", experiment, examples: new Map(examples.map((e) => [e.id, exampleText(e)] as const)), runs: [] };
    entries.set(experiment.id, entry);
    return entry;
  }

  function finish(entry: Open, result: ExperimentResult | undefined): void {
    const { experiment, runs, examples } = entry;
    entries.set(experiment.id, { state: "done", name: experiment.name, file: experiment.file, report: reportExperiment({ experiment, result, runs, examples: examples.size > 0 ? examples : undefined }) });
  }

  /** Writes are queued so two never race on the file; each writes the state at its turn. */
  function write(): Promise<void> {
    const next = writing
      .catch(() => {})
      .then(async () => {
        const experiments = [...entries.values()].filter((e): e is Done => e.state === "done").map((e) => e.report);
        if (experiments.length === 0) return;
        await writeFileAtomic(path, await renderReport(reportData(experiments, null, packageVersion())), "HTML report");
      });
    writing = next;
    return next;
  }

  return {
    name: "html-report",
    experimentStarted(experiment, examples) {
      if (!closed) open(experiment, examples);
    },
    runCompleted(run, experiment) {
      if (closed) return;
      const entry = entries.get(experiment.id);
      const target = entry?.state === "open" ? entry : entry ? undefined : open(experiment);
      target?.runs.push(run);
    },
    async experimentFinished(result) {
      if (closed) return;
      const entry = entries.get(result.experiment.id);
      const target = entry?.state === "open" ? entry : open(result.experiment);
      finish(target, result);
      await write();
    },
    async close() {
      if (closed) return writing;
      closed = true;
      for (const entry of [...entries.values()]) if (entry.state === "open") finish(entry, undefined);
      await write();
    },
  };
}
