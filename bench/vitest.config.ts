import { defineConfig } from "vitest/config";

/** The harness's own tests: `npx vitest run --config bench/vitest.config.ts`. No timing assertions. */
export default defineConfig({ test: { root: "bench", include: ["test/**/*.test.ts"] } });
