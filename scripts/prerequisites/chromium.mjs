// Debian's Chromium, for the HTML report's browser tests (playwright-core drives it through
// `executablePath`; playwright's own browser downloads are not used). Installed with apt-get when
// /usr/bin/chromium is missing; the tests find it through VITEST_EXPERIMENTS_CHROMIUM.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = "/usr/bin/chromium";

export async function ensure({ log }) {
  if (!existsSync(CHROMIUM)) {
    log(`${CHROMIUM} is missing: apt-get install chromium`);
    const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
    const apt = (args) => {
      const [command, argv] = asRoot ? ["apt-get", args] : ["sudo", ["-n", "apt-get", ...args]];
      const result = spawnSync(command, argv, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
      if (result.error) throw new Error(`${command} ${argv.join(" ")} could not start: ${result.error.message}`);
      if (result.status !== 0) throw new Error(`${command} ${argv.join(" ")} exited with ${result.status}: ${String(result.stderr).trim().split("\n").slice(-3).join(" ")}`);
    };
    apt(["update"]);
    apt(["install", "-y", "chromium"]);
    if (!existsSync(CHROMIUM)) throw new Error(`apt-get install chromium finished but ${CHROMIUM} is not there`);
  }
  return { VITEST_EXPERIMENTS_CHROMIUM: CHROMIUM };
}
