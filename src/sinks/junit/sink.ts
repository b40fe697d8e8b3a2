import { isAbsolute, resolve } from "node:path";
import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../../record/types.js";
import { DEFAULT_FIELD_LIMIT } from "../text-safety.js";
import type { ExperimentSink } from "../types.js";
import { factsOfRun, runKey, type RunFacts } from "./facts.js";
import { renderSuite, type RenderedSuite, type SuiteCounts, type SuiteOutcome } from "./suite.js";
import { writeFileAtomic } from "./write.js";

export interface JUnitSinkOptions {
  /** Where the report goes; relative paths are resolved against `projectRoot`. */
  path: string;
  /** Defaults to the current working directory. */
  projectRoot?: string;
  /** Cap, in characters, for each free-text field (explanations, errors, failure details). Default 8192. */
  maxFieldLength?: number;
}

/** An experiment whose runs are still arriving. */
interface OpenSuite {
  state: "open";
  experiment: ExperimentDescriptor;
  runs: Map<string, RunFacts>;
  /** Set once its rendering started: later runs are late and not taken. */
  finishing: boolean;
}
/** A finished experiment, kept only as its rendered `<testsuite>` text. */
interface RenderedEntry {
  state: "rendered";
  name: string;
  file: string | undefined;
  rendered: RenderedSuite;
}

/** The name of the report's root element, `<testsuites name="…">`. */
const REPORT_NAME = "vitest-experiments";

/**
 * A sink that writes a JUnit XML report: one `<testsuite>` per experiment, one `<testcase>` per
 * run (declared runs that never arrived are `<skipped/>`), and one `[gates]` test case per
 * experiment for its aggregate gates.
 *
 * The file is rewritten (atomically) each time an experiment finishes, and once more on `close`,
 * when experiments that never finished are added with their gates marked skipped. When an
 * experiment of the same name and file starts again (watch mode), its earlier suite is replaced.
 */
export function createJUnitSink(options: JUnitSinkOptions): ExperimentSink {
  const root = options.projectRoot ?? process.cwd();
  const path = isAbsolute(options.path) ? options.path : resolve(root, options.path);
  const maxFieldLength = options.maxFieldLength ?? DEFAULT_FIELD_LIMIT;
  if (!Number.isInteger(maxFieldLength) || maxFieldLength < 64) {
    throw new RangeError(`createJUnitSink: maxFieldLength must be an integer of at least 64, got ${String(options.maxFieldLength)}`);
  }

  // Insertion order is report order: experiments appear in the order they started.
  const suites = new Map<string, OpenSuite | RenderedEntry>();
  let writing: Promise<void> = Promise.resolve();
  const rendering = new Set<Promise<void>>();
  let closed = false;

  function open(experiment: ExperimentDescriptor): OpenSuite {
    const existing = suites.get(experiment.id);
    if (existing?.state === "open") return existing;
    for (const [id, entry] of suites) {
      if (entry.state === "rendered" && entry.name === experiment.name && entry.file === experiment.file) suites.delete(id);
    }
    const suite: OpenSuite = { state: "open", experiment, runs: new Map(), finishing: false };
    suites.set(experiment.id, suite);
    return suite;
  }

  /** Renders an open suite and puts the text in its place; close waits for renders under way. */
  function finish(suite: OpenSuite, outcome: SuiteOutcome): Promise<void> {
    suite.finishing = true;
    const done = renderSuite({ experiment: suite.experiment, runs: suite.runs, outcome }, maxFieldLength).then((rendered) => {
      if (suites.get(suite.experiment.id) !== suite) return; // replaced by a re-run meanwhile
      suites.set(suite.experiment.id, { state: "rendered", name: suite.experiment.name, file: suite.experiment.file, rendered });
    });
    rendering.add(done);
    return done.finally(() => rendering.delete(done));
  }

  /** Writes are queued so two never race on the file; each writes the state at its turn. */
  function write(): Promise<void> {
    const next = writing.catch(() => {}).then(() => writeFileAtomic(path, reportDocument([...suites.values()])));
    writing = next;
    return next;
  }

  return {
    name: "junit",
    experimentStarted(experiment) {
      if (!closed) open(experiment);
    },
    runCompleted(run: RunRecord, experiment: ExperimentDescriptor) {
      if (closed) return;
      const suite = suites.get(experiment.id);
      const target = suite?.state === "open" ? suite : suite ? undefined : open(experiment);
      // A run for an experiment already finished is late; the report cannot take it.
      if (target && !target.finishing) target.runs.set(runKey(run.exampleId, run.repetition), factsOfRun(run, experiment, { maxFieldLength }));
    },
    async experimentFinished(result: ExperimentResult) {
      if (closed) return;
      const suite = suites.get(result.experiment.id);
      if (suite?.state === "open" && suite.finishing) return;
      const target = suite?.state === "open" ? suite : open(result.experiment);
      const { status, gates, endTime } = result;
      await finish(target, { finished: true, status, gates, endTime });
      await write();
    },
    async close() {
      if (closed) return writing;
      closed = true;
      await Promise.allSettled([...rendering]);
      for (const entry of [...suites.values()]) {
        if (entry.state === "open" && !entry.finishing) await finish(entry, { finished: false });
      }
      await write();
    },
  };
}

/** The whole report: the rendered suites under one `<testsuites>` with their totals. */
function reportDocument(entries: readonly (OpenSuite | RenderedEntry)[]): string {
  const rendered = entries.filter((e): e is RenderedEntry => e.state === "rendered").map((e) => e.rendered);
  const totals: SuiteCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const { counts } of rendered) {
    totals.tests += counts.tests;
    totals.failures += counts.failures;
    totals.errors += counts.errors;
    totals.skipped += counts.skipped;
  }
  // junit-10.xsd allows no `skipped` on the root (suites carry it); Jenkins rejects what the schema rejects.
  const attributes = `name="${REPORT_NAME}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}"`;
  const body = rendered.map((r) => `  ${r.xml}\n`).join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ${attributes}>\n${body}</testsuites>\n`;
}
