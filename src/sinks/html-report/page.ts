/**
 * The report page: one self-contained HTML file. The page's script and styles (built from
 * `client/` by `npm run build`, shipped in `dist/`) and the report's data are inlined; a
 * Content-Security-Policy allows exactly that script and style and no network at all.
 *
 * The data goes in a `<script type="application/json">` element, which the browser never runs,
 * with `<`, `>`, `&` and the JavaScript line separators escaped as `\uXXXX`: no text in an
 * experiment can close the element or start markup. The page reads it with `JSON.parse` and shows
 * every value with `textContent`.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { configuredSecrets, redactSecrets } from "../../record/redact.js";
import type { ReportData } from "./model.js";

/** Where `npm run build` puts the page's bundle, next to this module in `dist/`. */
const ASSET_DIRS = [
  new URL("./client/", import.meta.url),
  // Running from `src/` (the package's own tests): the build output of the same tree.
  new URL("../../../dist/sinks/html-report/client/", import.meta.url),
];

export interface PageAssets {
  script: string;
  style: string;
}

let assets: Promise<PageAssets> | undefined;

/** The built script and styles, read once per process. */
export function pageAssets(): Promise<PageAssets> {
  assets ??= readAssets().catch((error: unknown) => {
    assets = undefined;
    throw error;
  });
  return assets;
}

async function readAssets(): Promise<PageAssets> {
  const tried: string[] = [];
  for (const dir of ASSET_DIRS) {
    try {
      const [script, style] = await Promise.all([readFile(new URL("report.js", dir), "utf8"), readFile(new URL("report.css", dir), "utf8")]);
      return { script, style };
    } catch {
      tried.push(new URL("report.js", dir).pathname);
    }
  }
  throw new Error(`The HTML report's page script is missing (looked for ${tried.join(" and ")}); it is built by \`npm run build\`.`);
}

/** JSON that is safe inside a `<script>` element: nothing in it can end the element or open markup. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderPage(data: ReportData, { script, style }: PageAssets): string {
  // The bundle is ours, but a stray closing tag in it would end the element early and show code as text.
  if (/<\/script/i.test(script) || /<\/style/i.test(style)) throw new Error("The HTML report's page bundle contains a closing </script> or </style> tag; rebuild it.");
  const csp = [`default-src 'none'`, `script-src ${sha256(script)}`, `style-src ${sha256(style)}`, `img-src data:`, `base-uri 'none'`, `form-action 'none'`].join("; ");
  const title = titleOf(data);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="vitest-experiments ${escapeHtml(data.version)}">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<noscript><p class="noscript">This report needs JavaScript to show its data.</p></noscript>
<div id="app"></div>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}

function titleOf(data: ReportData): string {
  const [first, second] = data.experiments;
  if (data.comparison && first && second) return `${first.name} vs ${second.name} · vitest-experiments`;
  if (data.experiments.length === 1 && first) return `${first.name} · vitest-experiments`;
  return `${data.experiments.length} experiments · vitest-experiments`;
}

/**
 * The whole page for `data`, with the built assets. Runs were redacted when they were recorded;
 * examples (inputs, expected outputs) are the user's dataset and are redacted here, so no
 * configured credential reaches a page that is published as a CI artifact.
 */
export async function renderReport(data: ReportData, secrets: readonly string[] = configuredSecrets()): Promise<string> {
  return renderPage(redactSecrets(data, secrets), await pageAssets());
}
