import type { CliCommand } from "../command.js";
import { CliError, storeFor } from "../context.js";
import { PhoenixClient } from "../../phoenix/client.js";
import { PhoenixConfigError } from "../../phoenix/config.js";
import { uploadPending } from "../../phoenix/upload-pending.js";
import { arizeConfigured, uploadPendingArize } from "./arize-upload.js";

/** `vitest-experiments upload [experiment]`: completes Phoenix and Arize AX uploads an earlier run left pending. */
export const uploadCommand: CliCommand = {
  register(program, context) {
    program
      .command("upload")
      .description("upload to Phoenix and Arize AX what earlier runs could not (pending experiments), without duplicates")
      .argument("[experiment]", "one experiment id, or name for the latest of that name (default: every pending experiment)")
      .action(async (ref: string | undefined, _options: unknown, command) => {
        let client: PhoenixClient | undefined;
        try {
          client = PhoenixClient.fromEnv({}, context.env);
        } catch (error) {
          if (error instanceof PhoenixConfigError) throw new CliError(error.message);
          throw error;
        }
        // Arize AX first, when configured; Phoenix after, when configured.
        const arize = arizeConfigured(context);
        if (arize) {
          await uploadPendingArize(context, command, ref).catch(async (error: unknown) => {
            await client?.close();
            throw error;
          });
        }
        if (!client && arize) return;
        if (!client) throw new CliError("PHOENIX_HOST is not set (nor ARIZE_API_KEY): nothing to upload to (set PHOENIX_HOST, and PHOENIX_API_KEY if your Phoenix needs one; or ARIZE_API_KEY and ARIZE_SPACE_ID for Arize AX)");
        const store = storeFor(context, command);
        try {
          const reports = await uploadPending(store, client, ref ? { experiment: ref } : {});
          const out = context.io.stdout;
          if (reports.length === 0) out.write("Nothing pending: every experiment is on Phoenix.\n");
          let failed = 0;
          for (const report of reports) {
            const label = `${report.name} (${report.experimentId})`;
            if (report.status === "uploaded") out.write(`uploaded ${label}: ${report.runsPosted} runs, ${report.evaluationsPosted} evaluations → ${report.url}\n`);
            if (report.status === "already-uploaded") out.write(`${label} is already on Phoenix${report.url ? `: ${report.url}` : ""}\n`);
            if (report.status === "failed") {
              failed++;
              context.io.stderr.write(`failed ${label}: ${report.error}\n`);
            }
          }
          if (failed > 0) throw new CliError(`${failed} experiment(s) are still pending; run the command again once Phoenix is reachable`);
        } catch (error) {
          if (error instanceof CliError) throw error;
          throw new CliError(client.redactText((error as Error)?.message ?? String(error)));
        } finally {
          await client.close();
          await store.close();
        }
      });
  },
};
