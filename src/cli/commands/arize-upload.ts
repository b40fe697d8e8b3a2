import type { Command } from "commander";
import { resolveArizeConfig } from "../../arize/config.js";
import { uploadPendingToArize } from "../../arize/upload-pending.js";
import { CliError, storeFor, type CliContext } from "../context.js";
import { withArize } from "./arize.js";

/** Whether Arize's variables name a destination (a key); a misconfiguration is reported by the upload itself. */
export function arizeConfigured(context: CliContext): boolean {
  try {
    return resolveArizeConfig({}, context.env as NodeJS.ProcessEnv) !== undefined;
  } catch {
    return true;
  }
}

/** The Arize AX half of `vitest-experiments upload`: pending AX uploads finished, one line per experiment. */
export function uploadPendingArize(context: CliContext, command: Command, ref: string | undefined): Promise<void> {
  return withArize(context, async (client) => {
    const store = storeFor(context, command);
    try {
      const reports = await uploadPendingToArize(store, client, ref ? { experiment: ref } : {});
      const out = context.io.stdout;
      if (reports.length === 0) out.write("Nothing pending for Arize AX.\n");
      let failed = 0;
      for (const report of reports) {
        const label = `${report.name} (${report.experimentId})`;
        if (report.status === "uploaded") out.write(`uploaded ${label} to Arize AX: ${report.runsPosted} runs → experiment ${report.arizeExperimentId ?? "?"}\n`);
        if (report.status === "already-uploaded") out.write(`${label} is already on Arize AX${report.arizeExperimentId ? ` (experiment ${report.arizeExperimentId})` : ""}\n`);
        if (report.status === "failed") {
          failed++;
          context.io.stderr.write(`failed ${label} (Arize AX): ${report.error}\n`);
        }
      }
      if (failed > 0) throw new CliError(`${failed} experiment(s) are still pending for Arize AX; run the command again once it is reachable`);
    } finally {
      await store.close();
    }
  });
}
