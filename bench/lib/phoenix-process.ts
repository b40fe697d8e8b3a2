/**
 * The fake Phoenix server (with the traces front) in its own process, so that the server's work —
 * parsing, contract validation, the 2 ms latency timers — does not share an event loop and a core
 * with the uploader being measured, as a real server would not.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface LandedRecords {
  runs: number;
  distinctRuns: number;
  evaluations: number;
  distinctEvaluations: number;
  apiRequests: number;
  traceRequests: number;
}

export interface PhoenixProcess {
  url: string;
  landed(): Promise<LandedRecords>;
  close(): Promise<void>;
}

const SERVER_SCRIPT = fileURLToPath(new URL("./phoenix-process-main.ts", import.meta.url));

export async function startPhoenixProcess(latencyMs: number): Promise<PhoenixProcess> {
  const child: ChildProcess = fork(SERVER_SCRIPT, [String(latencyMs)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pending: ((value: unknown) => void)[] = [];
  let ready!: (url: string) => void;
  const url = new Promise<string>((resolve, reject) => {
    ready = resolve;
    child.once("exit", (code) => reject(new Error(`the fake Phoenix process exited ${code} before listening`)));
  });
  child.on("message", (message: { type: string; url?: string; landed?: LandedRecords }) => {
    if (message.type === "ready") ready(message.url!);
    else pending.shift()?.(message.landed);
  });
  const ask = <T>(type: string) =>
    new Promise<T>((resolve) => {
      pending.push(resolve as (value: unknown) => void);
      child.send({ type });
    });
  return {
    url: await url,
    landed: () => ask<LandedRecords>("landed"),
    async close() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
