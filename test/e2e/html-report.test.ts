import { existsSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { createFixtureProject } from "../support/fixture-project.js";
import { dataOfReport } from "../support/report-html.js";

const EVAL = `import { experiment } from "vitest-experiments";
experiment("capitals", {
  dataset: { name: "capitals", examples: [
    { id: "fr", input: { country: "France" }, output: "Paris" },
    { id: "de", input: { country: "Germany" }, output: "Berlin" },
    { id: "xss", input: { country: "<script>" }, output: "none" },
  ] },
  task: ({ input }) => (input.country === "France" ? "Paris" : input.country === "Germany" ? "Bonn" : "<img src=x onerror=alert(1)>"),
  evaluators: { exact: ({ output, expected }) => ({ score: output === expected ? 1 : 0, explanation: "<script>alert('explained')</script>" }) },
  thresholds: { exact: 0.5 },
  repetitions: 2,
});
`;

const config = (option: string) => `import { defineConfig } from "vitest/config";
import { experimentsProject } from "vitest-experiments/config";
export default defineConfig({ test: { projects: [experimentsProject(${option})] } });
`;

describe("HTML report after a run", () => {
  test("experimentsProject({ report }) writes one self-contained page with the run's experiments", async () => {
    const project = await createFixtureProject({ "evals/capitals.eval.ts": EVAL, "vitest.config.mjs": config(`{ report: "out/evals.html" }`) });
    const run = await project.vitest(["run", "--project", "evals"]);
    expect(run.exitCode, run.output).toBe(1); // exact mean 1/3 is under its 0.5 bar
    const html = await project.read("out/evals.html");
    // Self-contained: no external script, stylesheet, image or font, and a policy that allows no network.
    expect(/<(script|link|img)[^>]+(src|href)=/i.test(html), "no external resource").toBe(false);
    expect(html.includes(`content="default-src 'none'; script-src 'sha256-`), "a policy that allows no network").toBe(true);
    // Experiment text is data, never markup: the payloads only appear escaped inside the JSON.
    expect(html.includes("<img src=x"), "output payload as markup").toBe(false);
    expect(html.includes("<script>alert"), "explanation payload as markup").toBe(false);
    const data = dataOfReport(html);
    expect(data.experiments).toHaveLength(1);
    const [experiment] = data.experiments;
    expect(experiment!.name).toBe("capitals");
    expect(experiment!.status).toBe("failed");
    expect(experiment!.runs).toHaveLength(6);
    const de = experiment!.runs.find((r) => r.exampleId === "de" && r.repetition === 2)!;
    expect(de.input).toContain('"country": "Germany"');
    expect(de.expected).toBe("Berlin");
    expect(de.output).toBe("Bonn");
    expect(de.evaluations[0]).toMatchObject({ name: "exact", score: 0, explanation: "<script>alert('explained')</script>" });
    expect(experiment!.gates[0]).toMatchObject({ evaluator: "exact", status: "fail" });
  });

  test("VITEST_EXPERIMENTS_REPORT names the page; without it (or with report: false) nothing is written", async () => {
    const project = await createFixtureProject({ "evals/capitals.eval.ts": EVAL });
    await project.vitest(["run", "--project", "evals"]);
    expect(existsSync(`${project.dir}/reports/experiments.html`)).toBe(false);

    const run = await project.vitest(["run", "--project", "evals"], { env: { VITEST_EXPERIMENTS_REPORT: "from-env.html" } });
    expect(run.exitCode, run.output).toBe(1);
    expect(dataOfReport(await project.read("from-env.html")).experiments[0]!.runs).toHaveLength(6);

    await project.write("vitest.config.mjs", config(`{ report: false }`));
    await project.vitest(["run", "--project", "evals"], { env: { VITEST_EXPERIMENTS_REPORT: "off.html" } });
    expect(existsSync(`${project.dir}/off.html`)).toBe(false);
  });

  test("the report command shows inputs from the store, and compares name with name~1", async () => {
    const project = await createFixtureProject({ "evals/capitals.eval.ts": EVAL });
    await project.vitest(["run", "--project", "evals"]);
    await project.write("evals/capitals.eval.ts", EVAL.replace(`"Bonn"`, `"Berlin"`));
    await project.vitest(["run", "--project", "evals"]);
    const { runNode } = await import("../support/fixture-project.js");
    const { REPO_ROOT } = await import("../support/fixture-project.js");
    const cli = await runNode([`${REPO_ROOT}/dist/cli.js`, "report", "capitals", "capitals~1", "--out", "compare.html"], project.dir);
    expect(cli.exitCode, cli.output).toBe(0);
    expect(cli.stdout).toMatch(/^Wrote .*compare\.html: capitals \(.+\) compared with capitals \(.+\)\.\n$/);
    const data = dataOfReport(await project.read("compare.html"));
    expect(data.comparison!.counts.improved).toBe(2);
    expect(data.comparison!.rows.slice(0, 2).map((r) => [r.key, r.change])).toEqual([
      ["de [rep 1]", "improved"],
      ["de [rep 2]", "improved"],
    ]);
    expect(data.comparison!.rows[0]!.input).toContain("Germany");
    expect(data.experiments[1]!.runs.find((r) => r.exampleId === "de")!.output).toBe("Bonn");
  });
});
