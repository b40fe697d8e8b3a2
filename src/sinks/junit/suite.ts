/**
 * One experiment as one JUnit `<testsuite>`, built with junit-report-builder.
 *
 * A finished experiment is rendered once, to text, and that text is what the report keeps: the
 * report file is rewritten after every experiment (so a crash loses little), and re-rendering
 * every suite each time would cost memory and time proportional to the whole run.
 */
import junitReportModule from "junit-report-builder";
import type { Builder, TestCase, TestSuite } from "junit-report-builder";
import { describeVerdict, formatNumber, gatesFailed } from "../../record/gates.js";
import { GATES_TEST_NAME, runTestName } from "../../record/naming.js";
import { forEachDeclaredRun } from "../../record/shard.js";
import type { ExperimentDescriptor, ExperimentStatus, GateVerdict } from "../../record/types.js";
import { oneLine, sanitizeText } from "../text-safety.js";
import { runKey, type RunFacts } from "./facts.js";

/** How the experiment ended, or that it never did (the run was killed or the sink closed first). */
export type SuiteOutcome =
  | { finished: true; status: ExperimentStatus; gates: readonly GateVerdict[]; endTime: string }
  | { finished: false };

export interface SuiteInput {
  experiment: ExperimentDescriptor;
  /** Runs that arrived, by `runKey`. Declared runs missing here are reported as skipped. */
  runs: ReadonlyMap<string, RunFacts>;
  outcome: SuiteOutcome;
}

export interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

export interface RenderedSuite {
  /** The `<testsuite>` element, indented to sit directly under `<testsuites>`. */
  xml: string;
  counts: SuiteCounts;
}

// The package's CommonJS entry sets `module.exports` to the builder, while its typings declare an
// ES default export; under NodeNext the two disagree, so take whichever is the builder.
const junitReportBuilder = ((junitReportModule as unknown as { default?: Builder }).default ?? junitReportModule) as unknown as Builder;

/** Attribute and name text: one line, bounded, nothing XML cannot carry. */
const NAME_LIMIT = 1024;
const cleanName = (text: string) => sanitizeText(oneLine(text), NAME_LIMIT);

/**
 * Test cases are rendered this many at a time, each batch with its own builder: xmlbuilder's
 * cost per node grows with the size of the tree, and a batch bounds both the time and the
 * transient memory (an experiment may have 100,000 runs), and lets the event loop breathe between
 * batches.
 */
const CASES_PER_BATCH = 500;

export async function renderSuite(input: SuiteInput, maxFieldLength: number): Promise<RenderedSuite> {
  const { experiment, runs, outcome } = input;
  const className = cleanName(experiment.name);
  const counts: SuiteCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const bodies: string[] = [];

  let batch = new CaseBatch();
  const next = async (): Promise<TestCase> => {
    if (batch.size >= CASES_PER_BATCH) {
      bodies.push(batch.finish(counts));
      batch = new CaseBatch();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return batch.testCase().className(className);
  };

  const declared = new Set<string>();
  const cases: [exampleId: string, repetition: number][] = [];
  forEachDeclaredRun(experiment, (exampleId, repetition) => cases.push([exampleId, repetition]));
  for (const [exampleId, repetition] of cases) {
    const key = runKey(exampleId, repetition);
    declared.add(key);
    const facts = runs.get(key);
    const testCase = (await next()).name(cleanName(runTestName(exampleId, repetition, experiment.repetitions)));
    if (facts) addRunCase(testCase, facts);
    else testCase.skipped().property("example.id", cleanName(exampleId)).property("repetition", String(repetition));
  }
  // Runs the declaration did not announce (should not happen) are still reported, never dropped.
  for (const [key, facts] of runs) {
    if (declared.has(key)) continue;
    addRunCase((await next()).name(cleanName(runTestName(facts.exampleId, facts.repetition, experiment.repetitions))), facts);
  }
  addGatesCase((await next()).name(GATES_TEST_NAME), outcome, maxFieldLength);
  bodies.push(batch.finish(counts));

  return { xml: suiteHeader(experiment, outcome, counts, maxFieldLength) + bodies.join("") + "\n  </testsuite>", counts };
}

/** A batch of test cases, rendered by junit-report-builder inside a throwaway suite. */
class CaseBatch {
  private readonly builder = junitReportBuilder.newBuilder();
  private readonly suite = this.builder.testSuite().name("batch");
  size = 0;
  testCase(): TestCase {
    this.size++;
    return this.suite.testCase();
  }
  /** The `<testcase>` elements as text (each on a new line); adds the batch's counts to `counts`. */
  finish(counts: SuiteCounts): string {
    counts.tests += this.suite.getTestCaseCount();
    counts.failures += this.suite.getFailureCount();
    counts.errors += this.suite.getErrorCount();
    counts.skipped += this.suite.getSkippedCount();
    const document = this.builder.build();
    const open = document.indexOf('<testsuite name="batch"');
    const bodyStart = document.indexOf(">", open) + 1;
    const bodyEnd = document.lastIndexOf("</testsuite>");
    if (open < 0 || bodyStart <= 0 || bodyEnd < bodyStart) throw new Error("junit-report-builder produced an unexpected batch of test cases");
    return document.slice(bodyStart, bodyEnd).trimEnd();
  }
}

/**
 * The suite's start tag and `<properties>`, rendered by junit-report-builder with the totals of
 * the batches (the builder counts its own children, and the cases live in other builders).
 */
function suiteHeader(experiment: ExperimentDescriptor, outcome: SuiteOutcome, counts: SuiteCounts, maxFieldLength: number): string {
  const builder = junitReportBuilder.newBuilder();
  const suite = builder.testSuite().name(cleanName(experiment.name)).timestamp(junitTimestamp(experiment.startTime));
  if (outcome.finished) {
    const seconds = secondsBetween(experiment.startTime, outcome.endTime);
    if (seconds !== undefined) suite.time(seconds);
  }
  addSuiteProperties(suite, experiment, outcome, maxFieldLength);
  suite.getTestCaseCount = () => counts.tests;
  suite.getFailureCount = () => counts.failures;
  suite.getErrorCount = () => counts.errors;
  suite.getSkippedCount = () => counts.skipped;
  const document = builder.build();
  const start = document.indexOf("<testsuite ");
  const end = document.lastIndexOf("</testsuite>");
  // The suite always has properties (experiment.id at least), so it is never a self-closed tag.
  if (start < 0 || end < start) throw new Error("junit-report-builder produced a suite without a </testsuite> end tag");
  return document.slice(start, end).trimEnd();
}

function addRunCase(testCase: TestCase, facts: RunFacts): void {
  testCase
    .time(Number((facts.latencyMs / 1000).toFixed(3)))
    .property("example.id", cleanName(facts.exampleId))
    .property("repetition", String(facts.repetition))
    .property("attempts", String(facts.attempts));
  if (facts.traceId) testCase.property("trace.id", cleanName(facts.traceId));
  for (const evaluation of facts.evaluations) {
    const prefix = `evaluator.${cleanName(evaluation.name)}`;
    if (evaluation.score !== null) testCase.property(`${prefix}.score`, String(evaluation.score));
    if (evaluation.label !== null) testCase.property(`${prefix}.label`, evaluation.label);
    if (evaluation.explanation !== null) testCase.property(`${prefix}.explanation`, evaluation.explanation);
    if (evaluation.error !== null) testCase.property(`${prefix}.error`, evaluation.error);
  }
  if (facts.failure) {
    testCase.failure(facts.failure.message, facts.failure.type).stacktrace(cdataSafe(facts.failure.details));
  }
  if (facts.toleratedMisses) testCase.standardOutput(cdataSafe(`tolerated perRun misses:\n${facts.toleratedMisses}`));
}

function addGatesCase(testCase: TestCase, outcome: SuiteOutcome, maxFieldLength: number): void {
  if (!outcome.finished) {
    testCase.skipped().standardOutput("The experiment did not finish: its gates were not checked.");
    return;
  }
  const lines = outcome.gates.map(describeVerdict);
  for (const verdict of outcome.gates) testCase.property(gatePropertyName(verdict), gatePropertyValue(verdict));
  const listing = lines.length > 0 ? cdataSafe(sanitizeText(lines.join("\n"), maxFieldLength)) : "";
  if (gatesFailed(outcome.gates)) {
    const failed = outcome.gates.filter((v) => v.status === "fail").length;
    const headline = `${failed} of ${outcome.gates.length} gate${outcome.gates.length === 1 ? "" : "s"} failed`;
    testCase.failure(headline, "GateFailed").stacktrace(listing || headline);
    return;
  }
  const partial = outcome.status === "partial" || outcome.status === "interrupted" || outcome.gates.some((v) => v.status === "partial");
  if (partial) testCase.skipped();
  if (listing) testCase.standardOutput(listing);
}

function addSuiteProperties(suite: TestSuite, experiment: ExperimentDescriptor, outcome: SuiteOutcome, maxFieldLength: number): void {
  const { dataset } = experiment;
  suite
    .property("experiment.id", cleanName(experiment.id))
    .property("experiment.status", outcome.finished ? outcome.status : "unfinished")
    .property("dataset.name", cleanName(dataset.name))
    .property("dataset.version", cleanName(dataset.phoenix?.versionId ?? dataset.contentHash))
    .property("dataset.contentHash", cleanName(dataset.contentHash))
    .property("dataset.examples", String(dataset.exampleIds.length))
    .property("repetitions", String(experiment.repetitions));
  if (experiment.file) suite.property("experiment.file", cleanName(experiment.file));
  if (experiment.description) suite.property("experiment.description", sanitizeText(experiment.description, maxFieldLength));
  if (dataset.phoenix) suite.property("dataset.phoenixId", cleanName(dataset.phoenix.datasetId));
  if (experiment.dryRun) suite.property("dryRun", `sampled=${experiment.dryRun.sampled} seed=${experiment.dryRun.seed}`);
  if (experiment.shard) suite.property("shard", `${experiment.shard.index}/${experiment.shard.count} runs=${experiment.shard.runs}`);
  if (experiment.merged) suite.property("shards.merged", `${experiment.merged.present.join(",")} of ${experiment.merged.shards}`);
  if (experiment.runId) suite.property("ci.runId", cleanName(experiment.runId));
  if (experiment.git?.commit) suite.property("git.commit", cleanName(experiment.git.commit));
  if (experiment.git?.branch) suite.property("git.branch", cleanName(experiment.git.branch));
  if (outcome.finished) {
    for (const verdict of outcome.gates) suite.property(gatePropertyName(verdict), gatePropertyValue(verdict));
  }
}

/** `gate.<evaluator>.<kind>`, e.g. `gate.exact_match.mean`. */
export function gatePropertyName(verdict: GateVerdict): string {
  return `gate.${cleanName(verdict.evaluator)}.${verdict.kind}`;
}

/** `fail observed=0.7 bar=0.8 n=30` (and `baseline=…` for maxDrop). */
export function gatePropertyValue(verdict: GateVerdict): string {
  const observed = verdict.observed === null ? "n/a" : formatNumber(verdict.observed);
  const baseline = verdict.baseline === undefined ? "" : ` baseline=${formatNumber(verdict.baseline)}`;
  return `${verdict.status} observed=${observed} bar=${formatNumber(verdict.bar)} n=${verdict.samples}${baseline}`;
}

/**
 * CDATA cannot contain `]]>`, and xmlbuilder (under junit-report-builder) splits only the first
 * occurrence, so a second one would end the section early and break the file. Every occurrence
 * is written as `]]&gt;` instead: readable, and the file stays well-formed.
 */
export function cdataSafe(text: string): string {
  return text.replaceAll("]]>", "]]&gt;");
}

/** JUnit consumers expect `yyyy-MM-ddTHH:mm:ss` (Surefire's form, no zone); times are UTC. */
function junitTimestamp(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? cleanName(iso) : date.toISOString().slice(0, 19);
}

function secondsBetween(startIso: string, endIso: string): number | undefined {
  const ms = Date.parse(endIso) - Date.parse(startIso);
  return Number.isFinite(ms) && ms >= 0 ? Number((ms / 1000).toFixed(3)) : undefined;
}
