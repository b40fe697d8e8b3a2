import { constants } from "node:os";

/** The signals CI systems and people send to stop a test run. */
const SIGNALS = ["SIGINT", "SIGTERM"] as const;
export type InterruptSignal = (typeof SIGNALS)[number];

export interface HoldExitOptions {
  /**
   * The longest the exit is held back for `flush`. CI systems follow a stop signal with SIGKILL
   * after a few seconds (GitHub Actions: 7.5 s after SIGINT; Docker: 10 s after SIGTERM), so the
   * flush gets less than that and the process still ends by itself. Default 5000 ms.
   */
  graceMs?: number;
}

/**
 * Keeps the process alive after SIGINT or SIGTERM until `flush` has settled (or `graceMs` passed),
 * then lets it exit with the code it was going to exit with.
 *
 * Why: on these signals `vitest run` exits the process one millisecond later (its logger's exit
 * handler) and never calls the reporters' `onTestRunEnd`, so the experiments under way would be
 * left open: no "interrupted" record in the store, no summary, no JUnit file. Exits requested
 * while the flush runs (Vitest's own included) are deferred, not dropped; a second signal exits
 * at once, for the user who does not want to wait.
 *
 * Returns a function that removes the handlers.
 */
export function holdExitOnSignals(flush: (signal: InterruptSignal) => Promise<void>, options: HoldExitOptions = {}): () => void {
  const graceMs = options.graceMs ?? 5000;
  const realExit = process.exit;
  let holding = false;
  let requestedCode: Parameters<typeof process.exit>[0];

  const release = (): never => {
    process.exit = realExit;
    // Not `realExit(undefined)`: an explicit undefined would reset process.exitCode to 0.
    return requestedCode === undefined ? process.exit() : process.exit(requestedCode);
  };

  const onSignal = (signal: InterruptSignal): void => {
    // The shell's convention (and Vitest's): 128 + the signal number.
    process.exitCode ??= 128 + constants.signals[signal];
    if (holding) {
      release();
      return;
    }
    holding = true;
    process.exit = ((code?: Parameters<typeof process.exit>[0]) => {
      if (code !== undefined && code !== null) requestedCode = code;
    }) as typeof process.exit;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    void Promise.race([flush(signal).catch(() => undefined), deadline]).then(() => {
      clearTimeout(timer);
      release();
    });
  };

  for (const signal of SIGNALS) process.on(signal, onSignal);
  return () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
}
