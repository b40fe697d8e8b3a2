// A Vitest setup file for `--profile`: profiles the worker that runs an eval file with the
// inspector and writes a .cpuprofile after the file's tests. `--cpu-prof` in the pool's execArgv
// writes nothing when Vitest ends its workers without a normal exit, so the worker profiles itself.
import { Session } from "node:inspector/promises";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  beforeAll(async () => {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 1000 });
    await session.post("Profiler.start");
  });
  afterAll(async () => {
    const { profile } = await session.post("Profiler.stop");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `worker-${process.pid}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  });
}
