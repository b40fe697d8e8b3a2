/**
 * Debian's Chromium driven by playwright-core, for the HTML report's browser tests. The browser
 * comes from `scripts/prerequisites/chromium.mjs` (VITEST_EXPERIMENTS_CHROMIUM) or is already at
 * /usr/bin/chromium; without either the tests skip with the reason, except under CI, where a
 * missing browser is a failure (the prerequisite must have installed it).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

const DEBIAN_CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function ci(): boolean {
  const value = process.env.CI?.trim();
  return Boolean(value) && value !== "false" && value !== "0";
}

/** The Chromium to drive, or why there is none. */
export function findChromium(): { path: string } | { skip: string } {
  const fromEnv = process.env.VITEST_EXPERIMENTS_CHROMIUM?.trim();
  if (fromEnv && existsSync(fromEnv)) return { path: fromEnv };
  if (existsSync(DEBIAN_CHROMIUM)) return { path: DEBIAN_CHROMIUM };
  const reason = `no Chromium: VITEST_EXPERIMENTS_CHROMIUM is ${fromEnv ? `${fromEnv}, which does not exist` : "unset"} and ${DEBIAN_CHROMIUM} is missing (npm test installs it with apt-get)`;
  if (ci()) throw new Error(`${reason}; CI is set, so the browser tests cannot be skipped.`);
  return { skip: reason };
}

export interface ReportPage {
  page: Page;
  /** Console errors and uncaught exceptions, as text. */
  errors: string[];
  /** Every request the page made other than loading its own file (each one was refused). */
  requests: string[];
}

/** One browser with a fresh profile; pages open report files and watch errors and requests. */
export async function launchBrowser(executablePath: string): Promise<{ open(file: string, viewport?: { width: number; height: number }): Promise<ReportPage>; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), "vx-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1440, height: 900 } });
  return {
    async open(file, viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      const errors: string[] = [];
      const requests: string[] = [];
      const own = pathToFileURL(file).href;
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
      await page.route("**/*", async (route) => {
        const url = route.request().url();
        if (url === own) return route.continue();
        requests.push(url);
        return route.abort();
      });
      page.on("request", (request) => {
        if (request.url() !== own && !requests.includes(request.url())) requests.push(request.url());
      });
      await page.goto(own, { waitUntil: "load" });
      return { page, errors, requests };
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
