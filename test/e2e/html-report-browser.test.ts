/**
 * The HTML report in a real browser (Debian's Chromium through playwright-core): it renders with
 * no console error and no network request, its controls work by clicking, the compare view puts
 * regressions first, experiment text never runs as script, and 10,000 runs keep the DOM small.
 * Screenshots land in test/.tmp/report-screenshots/ (git-ignored) for people to look at.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { runCli } from "../../src/cli/main.js";
import { findChromium, launchBrowser } from "../support/browser.js";
import { REPO_ROOT } from "../support/fixture-project.js";
import { writeReportStore, XSS_EXAMPLE, XSS_EXPLANATION, XSS_OUTPUT } from "../support/report-store.js";

const chromium = findChromium();
const SHOTS = join(REPO_ROOT, "test/.tmp/report-screenshots");
/** The 10,000-run page shows one page of rows: far fewer elements than runs. */
const DOM_BOUND = 4000;

async function cli(args: string[]): Promise<void> {
  let err = "";
  const code = await runCli(args, { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) } });
  if (code !== 0) throw new Error(`report command failed (${code}): ${err}`);
}

describe.skipIf("skip" in chromium)(`HTML report in Chromium${"skip" in chromium ? ` (skipped: ${chromium.skip})` : ""}`, () => {
  let dir: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const files = { single: "", compare: "", large: "" };

  beforeAll(async () => {
    await mkdir(join(REPO_ROOT, "test/.tmp"), { recursive: true });
    await mkdir(SHOTS, { recursive: true });
    dir = await mkdtemp(join(REPO_ROOT, "test/.tmp/report-"));
    const store = join(dir, "store");
    await writeReportStore(store, [
      { id: "exp-baseline", examples: 40, repetitions: 3, quality: 0.78, seed: 11, startTime: "2026-03-01T09:00:00.000Z", xss: true },
      { id: "exp-candidate", examples: 40, repetitions: 3, quality: 0.62, seed: 12, startTime: "2026-03-02T09:00:00.000Z", xss: true },
      { id: "exp-large", name: "support-answers-large", examples: 5000, repetitions: 2, quality: 0.7, seed: 13, startTime: "2026-03-03T09:00:00.000Z" },
    ]);
    files.single = join(dir, "single.html");
    files.compare = join(dir, "compare.html");
    files.large = join(dir, "large.html");
    await cli(["report", "--dir", store, "--out", files.single, "support-answers"]);
    await cli(["report", "--dir", store, "--out", files.compare, "support-answers", "support-answers~1"]);
    await cli(["report", "--dir", store, "--out", files.large, "support-answers-large"]);
    browser = await launchBrowser((chromium as { path: string }).path);
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Strings run in the page (the tests are type-checked without DOM types).
  const elementCount = (page: Page) => page.evaluate<number>(`document.getElementsByTagName("*").length`);
  const rowIds = (page: Page) => page.locator("tbody tr.run, tbody tr.group").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-example")));
  const scoresIn = (page: Page, column: number) =>
    page.locator("tbody tr.run").evaluateAll((rows, i) => rows.map((r) => r.children[i]?.querySelector(".score-value")?.textContent ?? ""), column);

  it("renders an experiment with no console error and no network request", async () => {
    const { page, errors, requests } = await browser.open(files.single);
    expect(await page.locator("h2").first().textContent()).toBe("support-answers");
    expect(await page.locator("article.evaluator").count()).toBe(3);
    expect(await page.locator("li.gate").count()).toBe(2);
    expect(await page.locator(".card").first().textContent()).toContain("support-questions");
    expect(await page.locator("svg.histogram rect").count()).toBeGreaterThan(2);
    expect(await page.locator("tbody tr.group").count()).toBe(41);
    await page.screenshot({ path: join(SHOTS, "overview.png") });
    await page.locator("section.runs").evaluate((e) => e.scrollIntoView());
    await page.screenshot({ path: join(SHOTS, "runs-grouped.png") });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it("sorts by clicking a column header, and filters by status and search", async () => {
    const { page, errors } = await browser.open(files.single);
    await page.locator('input[name="group"]').uncheck();
    expect(await page.locator("tbody tr.run").count()).toBe(50);
    const relevanceColumn = await page.locator("thead th").evaluateAll((ths) => ths.findIndex((th) => th.textContent?.startsWith("relevance")));

    await page.locator('button[data-sort="score:relevance"]').click();
    const ascending = (await scoresIn(page, relevanceColumn)).filter((s) => s !== "").map(Number);
    expect(ascending.length).toBeGreaterThan(10);
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toContain("relevance");

    await page.locator('button[data-sort="score:relevance"]').click();
    const descending = (await scoresIn(page, relevanceColumn)).filter((s) => s !== "").map(Number);
    expect(descending).toEqual([...descending].sort((a, b) => b - a));
    expect(descending[0]).toBeGreaterThan(ascending[0]!);

    await page.locator("select").first().selectOption("error");
    const failedRows = page.locator("tbody tr.run");
    const failed = await failedRows.count();
    expect(failed).toBeGreaterThan(0);
    expect(await failedRows.locator(".col-status .badge").allTextContents()).toEqual(Array(failed).fill("error"));
    expect(await page.locator('[data-role="match-count"]').textContent()).toMatch(new RegExp(`^${failed} runs? of 123$`));

    await page.locator("select").first().selectOption("all");
    await page.locator("input.search").fill("password reset");
    await page.locator('[data-role="match-count"]', { hasText: /^12 runs/ }).waitFor();
    const ids = await rowIds(page);
    expect(ids.length).toBe(12);
    for (const text of await page.locator("tbody tr.run td:nth-child(3)").allTextContents()) expect(text).toContain("password reset");

    await page.locator("tbody tr.run button.expand").first().click();
    expect(await page.locator("tr.details pre").first().textContent()).toContain("password reset");
    await page.screenshot({ path: join(SHOTS, "runs-filtered.png") });
    expect(errors).toEqual([]);
  });

  it("groups repetitions of one example with their spread", async () => {
    const { page } = await browser.open(files.single);
    const first = page.locator("tbody tr.group").first();
    expect(await first.textContent()).toContain("× 3");
    await page.locator('button[data-sort="spread"]').click();
    await page.locator('button[data-sort="spread"]').click();
    const spreads = await page.locator("tbody tr.group td:nth-child(2)").allTextContents();
    expect(spreads.map(Number)).toEqual(spreads.map(Number).sort((a, b) => b - a));
    await page.locator("tbody tr.group button.expand").first().click();
    expect(await page.locator("tbody tr.run.nested").count()).toBe(3);
  });

  it("shows script payloads in outputs, labels and explanations as text, and runs none of them", async () => {
    for (const file of [files.single, files.compare]) {
      const { page, errors, requests } = await browser.open(file);
      await page.locator("input.search").first().fill(XSS_EXAMPLE);
      await expect.poll(async () => {
        const rows = await page.locator("tbody tr").allTextContents();
        return rows.length > 0 && rows.every((row) => row.includes(XSS_EXAMPLE));
      }).toBe(true);
      for (const button of await page.locator("tbody button.expand").all()) await button.click();
      if (file === files.single) for (const button of await page.locator("tbody tr.nested button.expand").all()) await button.click();
      // The page's own text (not the embedded data, where `<` is escaped): the payloads as characters.
      const text = (await page.locator("#app").textContent()) ?? "";
      expect(text.includes(XSS_OUTPUT), "the output payload is shown as text").toBe(true);
      if (file === files.single) {
        expect(text.includes(XSS_EXPLANATION), "the explanation payload is shown as text").toBe(true);
        expect(text.includes(`<b onmouseover="window.__xss='label'">incorrect</b>`), "the label payload is shown as text").toBe(true);
      }
      await page.mouse.move(400, 400);
      expect(await page.evaluate("typeof window.__xss")).toBe("undefined");
      expect(await page.locator("tbody img, tbody script, tbody iframe, tbody svg, tbody b").count()).toBe(0);
      if (file === files.single) await page.screenshot({ path: join(SHOTS, "xss-as-text.png") });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    }
  });

  it("compares two experiments with regressions first", async () => {
    const { page, errors, requests } = await browser.open(files.compare);
    expect(await page.locator('[role="tab"]').allTextContents()).toEqual(["Comparison", "candidate · support-answers", "baseline · support-answers"]);
    const deltas = page.locator(".delta-card");
    expect(await deltas.count()).toBe(2); // tone gives labels only: no score to compare
    expect(await page.locator('.delta-card[data-evaluator="correctness"]').getAttribute("class")).toContain("bad");
    await page.screenshot({ path: join(SHOTS, "compare.png") });

    const changes = await page.locator("tbody tr.compare-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-change")));
    const regressedCount = Number(await page.locator('button[data-filter="regressed"] strong').textContent());
    expect(regressedCount).toBeGreaterThan(0);
    const order = ["regressed", "improved", "changed", "added", "removed", "unchanged"];
    // Every page is in order; the first page starts with the regressions.
    expect(changes[0]).toBe("regressed");
    expect(changes.map((c) => order.indexOf(c!))).toEqual(changes.map((c) => order.indexOf(c!)).sort((a, b) => a - b));
    const all: string[] = [];
    for (;;) {
      all.push(...(await page.locator("tbody tr.compare-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-change")!))));
      const next = page.locator('button[aria-label="Next page"]');
      if (await next.isDisabled()) break;
      await next.click();
    }
    expect(all.length).toBe(123);
    expect(all.slice(0, regressedCount)).toEqual(Array(regressedCount).fill("regressed"));
    expect(all.map((c) => order.indexOf(c))).toEqual(all.map((c) => order.indexOf(c)).sort((a, b) => a - b));

    await page.locator('button[data-filter="improved"]').click();
    const improved = await page.locator("tbody tr.compare-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-change")));
    expect(improved.length).toBeGreaterThan(0);
    expect(new Set(improved)).toEqual(new Set(["improved"]));

    await page.locator('[role="tab"][data-tab="experiment-1"]').click();
    expect(await page.locator(".experiment-header .facts").textContent()).toContain("exp-baseline");
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it("opens 10,000 runs with one page of rows in the DOM, and pages and sorts them", async () => {
    const started = Date.now();
    const { page, errors, requests } = await browser.open(files.large);
    await page.locator("tbody tr").first().waitFor();
    const loadMs = Date.now() - started;
    const elements = await elementCount(page);
    console.log(`10,000-run report: ${elements} elements, loaded and shown in ${loadMs} ms`);
    expect(elements).toBeLessThan(DOM_BOUND);
    expect(await page.locator('[data-role="match-count"]').textContent()).toBe("10,000 runs of 10,000 · 5,000 examples");
    await page.locator('input[name="group"]').uncheck();
    await page.locator('button[data-sort="latency"]').click();
    await page.locator('button[data-sort="latency"]').click();
    const latencyColumn = await page.locator("thead th").evaluateAll((ths) => ths.findIndex((th) => th.textContent?.startsWith("Latency")));
    const latencies = await page.locator("tbody tr.run").evaluateAll((rows, i) => rows.map((r) => r.children[i]?.textContent ?? ""), latencyColumn);
    expect(latencies[0]).toMatch(/^2\.\d s$/);
    await page.locator('button[aria-label="Last page"]').click();
    expect(await page.locator(".page-number").textContent()).toBe("page 200 of 200");
    expect(await elementCount(page)).toBeLessThan(DOM_BOUND);
    await page.screenshot({ path: join(SHOTS, "large.png") });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });
});
