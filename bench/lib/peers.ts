/**
 * The peers the workloads compare against: the built product (dist/, as users install it),
 * @arizeai/phoenix-client, and the test suite's fake Phoenix server and rate-limited provider.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "./vitest-project.js";

export type Product = typeof import("../../src/index.js");

/** The package as built in dist/ (the runner builds it first), not the TypeScript sources. */
export async function loadProduct(): Promise<Product> {
  return (await import(pathToFileURL(join(REPO_ROOT, "dist/index.js")).href)) as Product;
}

export { startFakePhoenix, type FakePhoenix } from "../../test/support/fake-phoenix/index.js";
export { startRateLimitedServer, type RateLimitedServer } from "../../test/support/rate-limited-server.js";

/** A logger that keeps @arizeai/phoenix-client quiet (its progress lines would flood the bench output). */
export const silentLogger = { info() {}, warn() {}, error() {}, debug() {}, log() {}, table() {} };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
