// Regenerates the README's screenshots of the HTML report (docs/images/report-*.png) from the
// seeded example store the browser tests use: `npx tsx scripts/report-screenshots.ts` after
// `npm run build`, with Chromium at /usr/bin/chromium or VITEST_EXPERIMENTS_CHROMIUM.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { runCli } from "../src/cli/main.js";
import { findChromium, launchBrowser } from "../test/support/browser.js";
import { REPO_ROOT } from "../test/support/fixture-project.js";
import { writeReportStore } from "../test/support/report-store.js";

const chromium = findChromium();
if ("skip" in chromium) throw new Error(chromium.skip);
const images = join(REPO_ROOT, "docs/images");
await mkdir(join(REPO_ROOT, "test/.tmp"), { recursive: true });
await mkdir(images, { recursive: true });
const dir = await mkdtemp(join(REPO_ROOT, "test/.tmp/screenshots-"));
try {
  const store = join(dir, "store");
  await writeReportStore(store, [
    { id: "20260301T090000-9f3a1c2e", examples: 40, repetitions: 3, quality: 0.78, seed: 11, startTime: "2026-03-01T09:00:00.000Z" },
    { id: "20260302T090000-4b7d2e91", examples: 40, repetitions: 3, quality: 0.62, seed: 12, startTime: "2026-03-02T09:00:00.000Z" },
  ]);
  const quiet = { stdout: { write: () => true }, stderr: process.stderr };
  await runCli(["report", "--dir", store, "--out", join(dir, "single.html"), "support-answers"], quiet);
  await runCli(["report", "--dir", store, "--out", join(dir, "compare.html"), "support-answers", "support-answers~1"], quiet);
  const browser = await launchBrowser(chromium.path);
  const viewport = { width: 1440, height: 800 };

  const single = await browser.open(join(dir, "single.html"), viewport);
  await single.page.screenshot({ path: join(images, "report-overview.png") });
  await single.page.locator('input[name="group"]').uncheck();
  await single.page.locator("select").first().selectOption("miss");
  await single.page.locator('button[data-sort="score:relevance"]').click();
  await single.page.locator("tbody tr.run button.expand").first().click();
  await single.page.locator("section.runs").evaluate((e) => e.scrollIntoView());
  await single.page.screenshot({ path: join(images, "report-runs.png") });
  await single.page.locator('input[name="group"]').check();
  await single.page.locator('button[data-sort="spread"]').click();
  await single.page.locator('button[data-sort="spread"]').click();
  await single.page.locator("tbody tr.group button.expand").first().click();
  await single.page.locator("section.runs").evaluate((e) => e.scrollIntoView());
  await single.page.screenshot({ path: join(images, "report-repetitions.png") });

  const compare = await browser.open(join(dir, "compare.html"), viewport);
  await compare.page.locator("tbody tr.compare-row button.expand").first().click();
  await compare.page.screenshot({ path: join(images, "report-compare.png") });
  for (const page of [single, compare]) if (page.errors.length || page.requests.length) throw new Error(`the page logged errors or made requests: ${[...page.errors, ...page.requests].join("; ")}`);
  await browser.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
