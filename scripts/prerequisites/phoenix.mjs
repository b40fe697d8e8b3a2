// The real Phoenix server (and Phoenix's own Python client, for the parity tests) in a virtual
// environment kept under ~/.cache/vitest-experiments/, installed from PyPI once per version; and
// PostgreSQL's server binaries, for running Phoenix on PostgreSQL as well as on SQLite.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The newest arize-phoenix that installs here; the proven version named in the README. */
export const PHOENIX_VERSION = "20.26.1";
const REQUIREMENTS = [`arize-phoenix[pg]==${PHOENIX_VERSION}`, "arize-phoenix-client==3.5.0"];

export async function ensure({ log }) {
  const venv = join(process.env.VITEST_EXPERIMENTS_TOOLS ?? join(homedir(), ".cache/vitest-experiments"), `phoenix-${PHOENIX_VERSION}`);
  const marker = join(venv, ".installed");
  const wanted = REQUIREMENTS.join("\n");
  if (existsSync(marker) && readFileSync(marker, "utf8") === wanted) {
    log(`arize-phoenix ${PHOENIX_VERSION} already installed in ${venv}`);
  } else {
    const python = findPython();
    log(`installing ${REQUIREMENTS.join(", ")} into ${venv} (a few minutes, once)`);
    rmSync(venv, { recursive: true, force: true });
    execFileSync(python, ["-m", "venv", venv], { stdio: "inherit" });
    execFileSync(join(venv, "bin/pip"), ["install", "--quiet", "--disable-pip-version-check", ...REQUIREMENTS], { stdio: "inherit" });
    writeFileSync(marker, wanted);
  }
  return { VITEST_EXPERIMENTS_PHOENIX_VENV: venv, VITEST_EXPERIMENTS_PG_BIN: ensurePostgres(log) };
}

function findPython() {
  for (const candidate of ["python3", "python"]) {
    const probe = spawnSync(candidate, ["-c", "import sys, venv; print(sys.version_info >= (3, 10))"], { encoding: "utf8" });
    if (probe.status === 0 && probe.stdout.trim() === "True") return candidate;
  }
  throw new Error("Python 3.10 or newer with the venv module is needed for the real Phoenix server (apt-get install python3 python3-venv)");
}

/** Debian keeps the server binaries (initdb, pg_ctl) outside PATH, in /usr/lib/postgresql/<major>/bin. */
function postgresBin() {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base).filter((name) => existsSync(join(base, name, "bin/initdb"))).sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(base, majors[0], "bin") : undefined;
}

function ensurePostgres(log) {
  let bin = postgresBin();
  if (!bin) {
    log("installing PostgreSQL from Debian's packages");
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "postgresql"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    bin = postgresBin();
    if (!bin) throw new Error("PostgreSQL installed but no initdb under /usr/lib/postgresql/*/bin");
  } else {
    log(`PostgreSQL server binaries in ${bin}`);
  }
  return bin;
}
