import { resolve } from "node:path";
import { configuredSecrets } from "../../record/redact.js";
import { writeFileAtomic } from "../../sinks/junit/write.js";
import { reportComparison, reportData, reportExperiment, sourceOfStored } from "../../sinks/html-report/data.js";
import { DEFAULT_REPORT_PATH } from "../../sinks/html-report/path.js";
import { renderReport } from "../../sinks/html-report/page.js";
import { packageVersion } from "../../sinks/html-report/version.js";
import type { JsonlStoredExperiment } from "../../store/jsonl-store.js";
import type { CliCommand } from "../command.js";
import { storeFor } from "../context.js";
import { emptyStoreError, resolveExperiment } from "../resolve-experiment.js";

export const reportCommand: CliCommand = {
  register(program, context) {
    program
      .command("report")
      .description("write a self-contained HTML report: one experiment, several, or two compared (the first against the second)")
      .argument(
        "[experiments...]",
        "experiments by id (or a unique prefix), name (the latest of that name) or name~N (the Nth before it); default: the latest experiment of each name. Two: the first compared against the second",
      )
      .option("-o, --out <file>", "where to write the page", DEFAULT_REPORT_PATH)
      .action(async (refs: string[], options: { out: string }, command) => {
        const store = storeFor(context, command);
        let stored: JsonlStoredExperiment[];
        if (refs.length === 0) {
          const all = await store.listExperiments();
          if (all.length === 0) throw emptyStoreError(store.dir);
          // Newest first, so the first of each name is its latest.
          const latest = new Map<string, string>();
          for (const s of all) if (!latest.has(s.experiment.name)) latest.set(s.experiment.name, s.experiment.id);
          stored = [];
          for (const id of latest.values()) {
            const experiment = await store.readExperiment(id);
            if (experiment) stored.push(experiment);
          }
        } else {
          stored = [];
          for (const ref of refs) stored.push(await resolveExperiment(store, ref));
        }
        const [candidate, baseline] = stored;
        // Two experiments named on the command line are compared; the latest of two names are not.
        const comparison = refs.length === 2 && candidate && baseline ? reportComparison(candidate, baseline) : null;
        const data = reportData(
          stored.map((s) => reportExperiment(sourceOfStored(s))),
          comparison,
          packageVersion(),
        );
        const out = resolve(context.cwd, options.out);
        await writeFileAtomic(out, await renderReport(data, configuredSecrets(context.env)), "HTML report");
        const runs = stored.reduce((n, s) => n + s.runs.length, 0);
        const what = comparison ? `${candidate!.experiment.name} (${candidate!.experiment.id}) compared with ${baseline!.experiment.name} (${baseline!.experiment.id})` : `${stored.length} experiment${stored.length === 1 ? "" : "s"}, ${runs} runs`;
        context.io.stdout.write(`Wrote ${out}: ${what}.\n`);
      });
  },
};
