import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import { EXAMPLE_ID_COLUMN, RUN_ID_COLUMN } from "../../../src/arize/payloads.js";
import { runExperiment, type RanExperiment } from "../../../src/programmatic/run-experiment.js";
import { logArizeExperiment } from "../../../src/arize/log-experiment.js";
import { startFakeArize, type FakeArize } from "../../support/fake-arize/index.js";

const KEY = "ax-cli-secret-0123456789";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  vi.restoreAllMocks();
});

/** A fake AX holding one experiment that `runExperiment({ arize })` uploaded from a local store in `dir`. */
async function uploaded(): Promise<{ server: FakeArize; dir: string; ran: RanExperiment; env: Record<string, string>; printed: string }> {
  const server = await startFakeArize({ apiKey: KEY, spaces: ["team"] });
  cleanups.push(() => server.close());
  const dir = await mkdtemp(join(tmpdir(), "arize-cli-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  let printed = "";
  for (const method of ["log", "warn"] as const) vi.spyOn(console, method).mockImplementation((t: string) => void (printed += `${t}\n`));
  const ran = await runExperiment({
    experimentName: "arith",
    dataset: { name: "arithmetic", examples: [{ id: "add", input: { a: 2, b: 2 }, output: 4 }, { id: "mul", input: { a: 3, b: 3 }, output: 9 }] },
    task: ({ input }: { input: { a: number; b: number } }) => input.a + input.b,
    evaluators: { correct: ({ output, expected }: { output: unknown; expected: unknown }) => ({ score: output === expected ? 1 : 0, label: output === expected ? "right" : "wrong" }) },
    repetitions: 2,
    root: dir,
    phoenix: false,
    arize: { apiKey: KEY, space: "team", baseUrl: server.url },
  });
  vi.restoreAllMocks();
  return { server, dir, ran, env: { ARIZE_API_KEY: KEY, ARIZE_SPACE_ID: "team", ARIZE_BASE_URL: server.url }, printed };
}

async function cli(cwd: string, env: Record<string, string>, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } }, { cwd, env });
  return { code, stdout, stderr };
}

async function filesText(dir: string): Promise<string> {
  const texts: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) texts.push(await readFile(join(entry.parentPath, entry.name), "utf8"));
  }
  return texts.join("\n");
}

describe("runExperiment({ arize }) and the --arize commands", () => {
  it("runExperiment uploads to AX and returns its ids; list, show and runs read AX by AX id, local id or name", async () => {
    const { server, dir, ran, env, printed } = await uploaded();
    expect(server.state.violations).toEqual([]);
    expect(ran.arize?.name).toBe(`arith ${ran.experimentId}`);
    const axId = ran.arize!.experimentId;
    expect(Object.keys(ran.arize!.runIds)).toHaveLength(4);

    const list = await cli(dir, env, "list", "--arize");
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(axId);
    expect(list.stdout).toMatch(/arith \S+\s+arithmetic/);
    const json = JSON.parse((await cli(dir, env, "list", "--arize", "--json")).stdout) as { id: string }[];
    expect(json.map((e) => e.id)).toEqual([axId]);

    for (const ref of [axId, ran.experimentId, "arith"]) {
      const show = await cli(dir, env, "show", ref, "--arize");
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toContain(`(${axId})`);
      expect(show.stdout).toMatch(/runs:\s+4 ok, 0 failed/);
      expect(show.stdout).toMatch(/correct\s+0\.5\s+4\s+0\s+right 2, wrong 2/);
    }
    const runs = await cli(dir, env, "runs", "arith", "--arize", "--format", "jsonl");
    expect(runs.code, runs.stderr).toBe(0);
    const lines = runs.stdout.trim().split("\n").map((l) => JSON.parse(l) as { run_id: string; output: string; evaluations: Record<string, { score: number }> });
    expect(lines.map((l) => l.run_id).sort()).toEqual([`${ran.experimentId}/add/1`, `${ran.experimentId}/add/2`, `${ran.experimentId}/mul/1`, `${ran.experimentId}/mul/2`]);
    expect(lines.map((l) => l.evaluations.correct!.score).sort()).toEqual([0, 0, 1, 1]);
    expect(lines.map((l) => l.output)).toContain("4");

    // The key is nowhere: not in what was printed, the CLI's output, nor the local store.
    expect(printed + list.stdout + runs.stdout).not.toContain(KEY);
    expect(await filesText(dir)).not.toContain(KEY);
  });

  it("annotate --arize upserts by name on runs addressed by AX run id or example + repetition; delete --arize removes it", async () => {
    const { server, dir, ran, env } = await uploaded();
    server.state.addAnnotationConfig(server.spaceId, "reviewed");
    const axRunId = ran.arize!.runIds[`${ran.experimentId}/mul/2`]!;
    const file = join(dir, "notes.jsonl");
    await writeFile(file, [{ run_id: axRunId, name: "reviewed", label: "ok", score: 1 }, { example_id: "add", name: "reviewed", label: "meh", explanation: "terse" }].map((r) => JSON.stringify(r)).join("\n"));
    const annotate = await cli(dir, env, "annotate", "arith", "--arize", "--file", file);
    expect(annotate.code, annotate.stderr).toBe(0);
    expect(annotate.stdout).toContain("Annotated 2 runs of arith");
    await cli(dir, env, "annotate", "arith", "--arize", "--file", file);
    const runs = server.state.runsOf(ran.arize!.experimentId);
    const annotated = runs.filter((r) => r.annotations?.length);
    expect(annotated.map((r) => [r[RUN_ID_COLUMN], r.annotations!.map((a) => [a.name, a.label, a.text ?? null])])).toEqual(
      expect.arrayContaining([
        [`${ran.experimentId}/add/1`, [["reviewed", "meh", "terse"]]],
        [`${ran.experimentId}/mul/2`, [["reviewed", "ok", null]]],
      ]),
    );
    expect(annotated).toHaveLength(2);

    await writeFile(file, JSON.stringify({ run_id: axRunId, name: "unknown_config", score: 1 }));
    const refused = await cli(dir, env, "annotate", "arith", "--arize", "--file", file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no annotation config named "unknown_config".*needs an annotation config/);

    const deleted = await cli(dir, env, "delete", ran.experimentId, "--arize");
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(server.state.experiments).toEqual([]);
    expect(server.state.violations).toEqual([]);
  });

  it("log --arize records pre-computed runs on an AX dataset (by AX example id or uploaded id) with evaluator columns", async () => {
    const { server, dir, env } = await uploaded();
    const examples = server.state.examplesOf(server.state.datasets[0]!.id);
    const runsFile = join(dir, "runs.csv");
    await writeFile(runsFile, `example_id,result,correctness_score,correctness_label\n${examples[0]!.id},4,1,correct\nmul,10,0,incorrect\n`);
    const log = await cli(dir, env, "log", "--arize", "--dataset", "arithmetic", "--file", runsFile, "--name", "precomputed", "--output-column", "result", "--evaluator", "correctness:score=correctness_score,label=correctness_label");
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toMatch(/Logged experiment precomputed \(\S+\): 2 runs → Arize AX experiment \S+/);
    const experiment = server.state.experiments.find((e) => e.name.startsWith("precomputed "))!;
    const runs = server.state.runsOf(experiment.id);
    expect(runs.map((r) => [r.example_id, r.output, r["eval.correctness.score"], r["eval.correctness.label"]])).toEqual([
      [examples[0]!.id, "4", 1, "correct"],
      [examples.find((e) => e[EXAMPLE_ID_COLUMN] === "mul")!.id, "10", 0, "incorrect"],
    ]);
    // No example was added to the dataset.
    expect(server.state.examplesOf(server.state.datasets[0]!.id)).toHaveLength(2);

    const unknown = await cli(dir, env, "log", "--arize", "--dataset", "nope", "--file", runsFile);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Arize AX has no dataset named "nope" in space "team"/);
    await writeFile(runsFile, "result\n4\n");
    const noId = await cli(dir, env, "log", "--arize", "--dataset", "arithmetic", "--file", runsFile, "--output-column", "result");
    expect(noId.code).toBe(1);
    expect(noId.stderr).toMatch(/runs\.csv:2.*example_id/);
    expect(server.state.violations).toEqual([]);
  });

  it("logArizeExperiment(): the seeds' experiments.create with task_fields and evaluator_columns, in code", async () => {
    const { server, dir } = await uploaded();
    const examples = server.state.examplesOf(server.state.datasets[0]!.id);
    const logged = await logArizeExperiment({
      name: "from-code",
      dataset: "arithmetic",
      runs: [
        { example_id: examples[1]!.id, result: 9, correctness_score: 1 },
        { example_id: "add", result: 4, correctness_score: 1, correctness_label: "correct" },
      ],
      taskFields: { exampleId: "example_id", output: "result" },
      evaluatorColumns: { Correctness: { score: "correctness_score", label: "correctness_label" } },
      arize: { apiKey: KEY, space: "team", baseUrl: server.url },
      root: dir,
      printSummary: false,
      output: { log: () => {}, warn: (t) => expect.unreachable(t) },
    });
    expect(logged.arize?.name).toBe(`from-code ${logged.localExperimentId}`);
    const runs = server.state.runsOf(logged.arize!.experimentId);
    expect(runs.map((r) => [r.output, r["eval.Correctness.score"], r["eval.Correctness.label"] ?? null])).toEqual([["9", 1, null], ["4", 1, "correct"]]);
    expect(server.state.violations).toEqual([]);
  });

  it("clear errors: no key, a space that matches nothing, a refused key (never shown)", async () => {
    const { dir, env } = await uploaded();
    expect((await cli(dir, {}, "list", "--arize")).stderr).toMatch(/ARIZE_API_KEY is not set/);
    expect((await cli(dir, { ...env, ARIZE_SPACE_ID: "elsewhere" }, "list", "--arize")).stderr).toMatch(/ARIZE_SPACE_ID "elsewhere" matches no Arize AX space/);
    const refused = await cli(dir, { ...env, ARIZE_API_KEY: "ax-wrong-9999" }, "list", "--arize");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/401/);
    expect(refused.stderr).not.toContain("ax-wrong-9999");
  });
});
