import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import { runsWithAddedEvaluations } from "../../../src/phoenix/index.js";
import { runExperiment, type RanExperiment } from "../../../src/programmatic/run-experiment.js";
import { openStore } from "../../../src/store/index.js";
import { startFakePhoenix, type FakePhoenix } from "../../support/fake-phoenix/index.js";

const API_KEY = "px-cli-secret-0123456789";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  vi.restoreAllMocks();
});

/** A fake Phoenix (auth on) holding one experiment uploaded from a local store in `dir`. */
async function uploaded(): Promise<{ server: FakePhoenix; dir: string; ran: RanExperiment; env: Record<string, string> }> {
  const server = await startFakePhoenix({ apiKey: API_KEY });
  cleanups.push(() => server.close());
  const dir = await mkdtemp(join(tmpdir(), "phoenix-cli-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  for (const method of ["log", "warn"] as const) vi.spyOn(console, method).mockImplementation(() => {});
  const ran = await runExperiment({
    experimentName: "arith",
    dataset: { name: "arithmetic", examples: [{ id: "add", input: { a: 2, b: 2 }, output: 4 }, { id: "mul", input: { a: 3, b: 3 }, output: 9 }] },
    task: ({ input }: { input: { a: number; b: number } }) => input.a + input.b,
    evaluators: { correct: ({ output, expected }: { output: unknown; expected: unknown }) => ({ score: output === expected ? 1 : 0, label: output === expected ? "right" : "wrong" }) },
    repetitions: 2,
    root: dir,
    phoenix: { host: server.url, apiKey: API_KEY },
  });
  vi.restoreAllMocks();
  return { server, dir, ran, env: { PHOENIX_HOST: server.url, PHOENIX_API_KEY: API_KEY } };
}

async function cli(cwd: string, env: Record<string, string>, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } }, { cwd, env });
  return { code, stdout, stderr };
}

describe("vitest-experiments phoenix …", () => {
  it("lists, shows and lists the runs of experiments on the server, addressed by Phoenix id, local id or name", async () => {
    const { dir, ran, env } = await uploaded();
    const list = await cli(dir, env, "phoenix", "list");
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${ran.experimentId.replace(/[+/=]/g, "\\$&")}\\s+arith\\s+arithmetic\\s+2\\s+4 ok, 0 failed, 0 missing`));

    for (const ref of [ran.experimentId, ran.localExperimentId!, "arith"]) {
      const show = await cli(dir, env, "phoenix", "show", ref);
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toContain(`arith (${ran.experimentId})`);
      expect(show.stdout).toContain(`url:         ${ran.phoenix!.url}`);
      expect(show.stdout).toMatch(/correct\s+0\.5\s+4\s+0\s+right 2, wrong 2/);
    }

    const runs = await cli(dir, env, "phoenix", "runs", "arith");
    expect(runs.code, runs.stderr).toBe(0);
    const lines = runs.stdout.trimEnd().split("\n").slice(2).map((l) => l.split(/\s{2,}/));
    expect(lines).toEqual([
      ["add", "1", "ok", "4", "1"],
      ["add", "2", "ok", "4", "1"],
      ["mul", "1", "ok", "6", "0"],
      ["mul", "2", "ok", "6", "0"],
    ]);
    const json = JSON.parse((await cli(dir, env, "phoenix", "runs", ran.experimentId, "--format", "json")).stdout) as { example_id: string; annotations: unknown[] }[];
    expect(json.map((r) => r.example_id)).toEqual(["add", "add", "mul", "mul"]);
    expect(list.stdout + runs.stdout).not.toContain(API_KEY);
  });

  it("offers the same as --phoenix on the local list, show, runs and delete commands", async () => {
    const { dir, ran, env } = await uploaded();
    for (const [local, remote] of [
      [["list", "--phoenix"], ["phoenix", "list"]],
      [["show", "arith", "--phoenix"], ["phoenix", "show", "arith"]],
      [["runs", "arith", "--phoenix", "--format", "json"], ["phoenix", "runs", "arith", "--format", "json"]],
    ]) {
      const viaFlag = await cli(dir, env, ...local!);
      expect(viaFlag.code, viaFlag.stderr).toBe(0);
      expect(viaFlag.stdout).toBe((await cli(dir, env, ...remote!)).stdout);
    }
    const csv = await cli(dir, env, "runs", "arith", "--phoenix", "--format", "csv");
    expect(csv.code).toBe(1);
    expect(csv.stderr).toContain("--format csv is not available with --phoenix");
    const deleted = await cli(dir, env, "delete", ran.experimentId, "--phoenix");
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await cli(dir, env, "phoenix", "show", ran.experimentId)).code).toBe(1);
  });

  it("deletes an experiment from the server", async () => {
    const { server, dir, ran, env } = await uploaded();
    const deleted = await cli(dir, env, "phoenix", "delete", ran.experimentId);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`Deleted experiment arith (${ran.experimentId}) from Phoenix, with its 4 runs.`);
    expect(server.state.experiments).toHaveLength(0);
    const gone = await cli(dir, env, "phoenix", "show", ran.experimentId);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`error: Phoenix has no experiment with id ${ran.experimentId}`);
  });

  it("explains a missing PHOENIX_HOST and a refused key without printing the key", async () => {
    const { dir, env } = await uploaded();
    const noHost = await cli(dir, {}, "phoenix", "list");
    expect(noHost.code).toBe(1);
    expect(noHost.stderr).toContain("error: PHOENIX_HOST is not set");
    const wrong = await cli(dir, { ...env, PHOENIX_API_KEY: "px-wrong-0123456789" }, "phoenix", "list");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("401 Invalid token — check PHOENIX_API_KEY");
    expect(wrong.stderr).not.toContain("px-wrong-0123456789");
  });
});

describe("vitest-experiments annotate", () => {
  it("upserts annotations addressed by example id + repetition or by run id, and records them in the local store", async () => {
    const { server, dir, ran, env } = await uploaded();
    const runIdOfMul2 = ran.phoenix!.runIds[`${ran.localExperimentId}/mul/2`]!;
    await writeFile(
      join(dir, "annotations.jsonl"),
      [
        { example_id: "add", name: "helpful", score: 1, label: "yes", explanation: "clear" },
        { example_id: "add", repetition: 2, name: "helpful", label: "no" },
        { run_id: runIdOfMul2, name: "helpful", score: 0, metadata: { reviewer: "ana" } },
        { example_id: "mul", name: "correct", score: 1, explanation: "accepted by hand", annotator_kind: "human" },
      ]
        .map((row) => JSON.stringify(row))
        .join("\n"),
    );
    const annotate = await cli(dir, env, "annotate", "arith", "--file", "annotations.jsonl");
    expect(annotate.stderr).toBe("");
    expect(annotate.code).toBe(0);
    expect(annotate.stdout).toContain(`Annotated 4 runs of arith (${ran.experimentId}); also recorded in the local store.`);

    const { state } = server;
    expect(state.violations).toEqual([]);
    const helpful = state.evaluationsOf(ran.experimentId).filter((e) => e.name === "helpful");
    expect(helpful.map((e) => [e.result?.score ?? null, e.result?.label ?? null, e.annotatorKind])).toEqual([
      [1, "yes", "HUMAN"],
      [null, "no", "HUMAN"],
      [0, null, "HUMAN"],
    ]);
    expect(helpful[2]!.metadata).toEqual({ reviewer: "ana" });
    // An annotation with an evaluator's name replaces that evaluation (upsert, no duplicate).
    const correct = state.evaluationsOf(ran.experimentId).filter((e) => e.name === "correct");
    expect(correct).toHaveLength(4);
    expect(correct.filter((e) => e.annotatorKind === "HUMAN").map((e) => e.result?.explanation)).toEqual(["accepted by hand"]);

    const store = openStore(join(dir, ".vitest-experiments"));
    cleanups.push(() => store.close());
    const merged = runsWithAddedEvaluations((await store.readExperiment(ran.localExperimentId!))!);
    expect(merged.find((r) => r.exampleId === "mul" && r.repetition === 1)!.evaluations.find((e) => e.name === "correct")).toMatchObject({ score: 1, kind: "HUMAN" });
  });

  it("checks every row before sending anything, naming the file, line and column", async () => {
    const { server, dir, env } = await uploaded();
    const evaluationsBefore = server.state.evaluations.length;
    await writeFile(join(dir, "bad.jsonl"), `${JSON.stringify({ example_id: "add", name: "x", score: 1 })}\n${JSON.stringify({ example_id: "div", name: "x", score: 1 })}\n`);
    const bad = await cli(dir, env, "annotate", "arith", "--file", "bad.jsonl");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`error: bad.jsonl:2 column "example_id": the experiment's dataset version has no example "div"`);
    expect(server.state.evaluations.length).toBe(evaluationsBefore);

    await writeFile(join(dir, "bad.csv"), "example_id,name,score\nadd,x,high\n");
    const csv = await cli(dir, env, "annotate", "arith", "--file", "bad.csv");
    expect(csv.stderr).toContain('error: bad.csv:2 column "score": expected a number, got "high"');
    await writeFile(join(dir, "norun.jsonl"), JSON.stringify({ example_id: "add", repetition: 3, name: "x", label: "y" }));
    const norun = await cli(dir, env, "annotate", "arith", "--file", "norun.jsonl");
    expect(norun.stderr).toContain('error: norun.jsonl:1 column "example_id": example "add" has no run with repetition 3');
  });
});
