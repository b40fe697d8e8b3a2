#!/usr/bin/env node
// Builds the HTML report's page script and styles (src/sinks/html-report/client/) into
// dist/sinks/html-report/client/report.{js,css}, which the report inlines. Part of `npm run build`,
// so the package ships the built page and users never build anything.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const client = join(root, "src/sinks/html-report/client");

// esbuild strips types without checking them; the page's own tsconfig (DOM, no Node) checks them.
const check = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", client], { stdio: "inherit" });
if (check.status !== 0) process.exit(check.status ?? 1);

await build({
  entryPoints: { report: join(client, "main.ts") },
  outdir: join(root, "dist/sinks/html-report/client"),
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
