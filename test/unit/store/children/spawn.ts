import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const projectRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const writerScript = fileURLToPath(new URL("./writer.ts", import.meta.url));

export interface WriterProcess {
  child: ChildProcess;
  /** Resolves when the writer printed a line matching `predicate` (its stdout so far is passed). */
  waitFor(predicate: (line: string) => boolean): Promise<void>;
  /** Lines printed so far. */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts the real writer process (see writer.ts) under tsx. */
export function spawnWriter(args: string[]): WriterProcess {
  const child = spawn(process.execPath, ["--import", "tsx", writerScript, ...args], { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters: { predicate: (line: string) => boolean; resolve: () => void }[] = [];
  let stderr = "";
  let pending = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    pending += chunk;
    const complete = pending.split("\n");
    pending = complete.pop()!;
    for (const line of complete) {
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    child,
    lines,
    exited,
    waitFor(predicate) {
      if (lines.some(predicate)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exited.then(({ code, signal, stderr }) => reject(new Error(`writer exited (${code ?? signal}) before the awaited line; stderr:\n${stderr}`)));
      });
    },
  };
}
