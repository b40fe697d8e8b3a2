import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The real Phoenix server from PyPI, run as `phoenix serve` in the virtual environment that
 * `scripts/prerequisites/phoenix.mjs` installs (announced by `npm test` as
 * VITEST_EXPERIMENTS_PHOENIX_VENV). Each server gets its own working folder (SQLite) or its own
 * PostgreSQL cluster, and free loopback ports.
 */
export const PHOENIX_VENV = process.env.VITEST_EXPERIMENTS_PHOENIX_VENV;
const PG_BIN = process.env.VITEST_EXPERIMENTS_PG_BIN;

/** Why the real-server tests cannot run here, or undefined when they can. Under CI they must run. */
export const realPhoenixMissing: string | undefined = PHOENIX_VENV
  ? undefined
  : "the real Phoenix server is not installed (run `npm test`, which installs it, or set VITEST_EXPERIMENTS_PHOENIX_VENV)";
if (realPhoenixMissing && process.env.CI && process.env.CI !== "false") {
  throw new Error(`CI must run the real-Phoenix tests, but ${realPhoenixMissing}`);
}
export const postgresMissing: string | undefined = realPhoenixMissing ?? (PG_BIN ? undefined : "PostgreSQL's server binaries are not installed (VITEST_EXPERIMENTS_PG_BIN)");

export interface RealPhoenix {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly database: "sqlite" | "postgres";
  /** Stops the server, keeping its data, so a test can run with Phoenix down. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  close(): Promise<void>;
  /** What the server printed, for failure messages. */
  log(): string;
}

export async function startRealPhoenix(options: { database?: "sqlite" | "postgres" } = {}): Promise<RealPhoenix> {
  if (!PHOENIX_VENV) throw new Error(realPhoenixMissing);
  const database = options.database ?? "sqlite";
  const workingDir = await mkdtemp(join(tmpdir(), "real-phoenix-"));
  const postgres = database === "postgres" ? await startPostgres() : undefined;
  const [port, grpcPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = "";
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PHOENIX_WORKING_DIR: workingDir,
    PHOENIX_HOST: "127.0.0.1",
    PHOENIX_PORT: String(port),
    PHOENIX_GRPC_PORT: String(grpcPort),
    PHOENIX_TELEMETRY_ENABLED: "false",
    ...(postgres ? { PHOENIX_SQL_DATABASE_URL: postgres.url } : {}),
  };
  // The product reads these too; the server must not pick up a test's client settings.
  delete env.PHOENIX_API_KEY;
  delete env.PHOENIX_CLIENT_HEADERS;
  delete env.PHOENIX_COLLECTOR_ENDPOINT;

  const server: RealPhoenix = {
    url,
    database,
    log: () => output.slice(-4000),
    async start() {
      if (child) return;
      const started = spawn(join(PHOENIX_VENV, "bin/phoenix"), ["serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
      child = started;
      started.stdout!.on("data", (chunk) => (output += chunk));
      started.stderr!.on("data", (chunk) => (output += chunk));
      const exited = new Promise<never>((_, reject) =>
        started.once("exit", (code) => reject(new Error(`phoenix serve exited with ${code} before it was ready:\n${output.slice(-4000)}`))),
      );
      exited.catch(() => {});
      await Promise.race([waitUntilReady(url), exited]);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once("exit", resolve));
      running.kill("SIGTERM");
      const timer = setTimeout(() => running.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
    async close() {
      await server.stop();
      await postgres?.stop();
      await rm(workingDir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

async function waitUntilReady(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/v1/datasets`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the real Phoenix server at ${url} was not ready within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

interface Postgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL cluster on a free loopback port. PostgreSQL refuses to run as root, so
 * as root (CI here) the cluster belongs to the `postgres` user.
 */
async function startPostgres(): Promise<Postgres> {
  if (!PG_BIN) throw new Error(postgresMissing);
  const dir = await mkdtemp(join(tmpdir(), "real-phoenix-pg-"));
  await chmod(dir, 0o777);
  const data = join(dir, "data");
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) => {
    const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(PG_BIN, command), ...args]] : [join(PG_BIN, command), args];
    const result = spawnSync(file, argv, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr || result.stdout}`);
  };
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  run("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-w", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]);
  run("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "phoenix"]);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/phoenix`,
    async stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
