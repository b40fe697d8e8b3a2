import type { JsonlExperimentStore, JsonlStoredExperiment } from "../store/jsonl-store.js";
import { CliError } from "./context.js";

/**
 * The experiment a person means by `ref`: an id, a name (the latest experiment of that name),
 * `name~N` (the Nth before the latest of that name, as git counts commits), or an unambiguous
 * prefix of an id. Anything else is a CliError that says what the store holds.
 */
export async function resolveExperiment(store: JsonlExperimentStore, ref: string): Promise<JsonlStoredExperiment> {
  const direct = await store.readExperiment(ref);
  if (direct) return direct;
  const all = await store.listExperiments();
  if (all.length === 0) throw emptyStoreError(store.dir);
  const back = /^(.+)~(\d+)$/.exec(ref);
  if (back) {
    const [, name, steps] = back as unknown as [string, string, string];
    const ofName = all.filter((s) => s.experiment.name === name);
    if (ofName.length > 0) {
      const summary = ofName[Number(steps)];
      const found = summary && (await store.readExperiment(summary.experiment.id));
      if (found) return found;
      throw new CliError(`${JSON.stringify(ref)}: the store at ${store.dir} holds ${ofName.length} experiment${ofName.length === 1 ? "" : "s"} named ${JSON.stringify(name)}, so ${name}~${ofName.length - 1} is the oldest.`);
    }
  }
  const byPrefix = all.filter((s) => s.experiment.id.startsWith(ref));
  if (byPrefix.length === 1) {
    const found = await store.readExperiment(byPrefix[0]!.experiment.id);
    if (found) return found;
  }
  if (byPrefix.length > 1) {
    const ids = byPrefix.slice(0, 5).map((s) => s.experiment.id);
    throw new CliError(`${JSON.stringify(ref)} matches ${byPrefix.length} experiment ids (${ids.join(", ")}${byPrefix.length > 5 ? ", …" : ""}); give more of the id.`);
  }
  const names = [...new Set(all.map((s) => s.experiment.name))].sort();
  throw new CliError(
    `No experiment with id or name ${JSON.stringify(ref)} in the store at ${store.dir}. ` +
      `Experiment names there: ${names.slice(0, 10).join(", ")}${names.length > 10 ? ", …" : ""} (see \`vitest-experiments list\`).`,
  );
}

export function emptyStoreError(dir: string): CliError {
  return new CliError(
    `The experiment store at ${dir} has no experiments. Run your evals first (npx vitest run --project evals), ` +
      "or point --dir or VITEST_EXPERIMENTS_DIR at the store you mean.",
  );
}
