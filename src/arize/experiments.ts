import type { ExperimentStore } from "../store/types.js";
import type { AxExperiment, AxRun } from "./api-types.js";
import type { ArizeClient } from "./client.js";
import { looksLikeId } from "./client.js";
import { arizeLedgerFrom } from "./ledger.js";
import { RUN_ID_COLUMN } from "./payloads.js";

export class ArizeLookupError extends Error {
  override readonly name = "ArizeLookupError";
}

/**
 * An experiment on AX from what a person types: an AX experiment id, a local experiment (id or
 * name) that was uploaded to AX, or a name in the configured space: exact, or the latest upload of
 * a local name (AX names are `<name> <local id>`).
 */
export async function resolveArizeExperiment(client: ArizeClient, ref: string, store?: ExperimentStore): Promise<AxExperiment> {
  if (looksLikeId(ref, "Experiment")) {
    const found = await client.getExperiment(ref);
    if (found) return found;
  }
  const local = await store?.readExperiment(ref).catch(() => undefined);
  const uploadedId = local ? arizeLedgerFrom(local.events).experimentId : undefined;
  if (uploadedId) {
    const found = await client.getExperiment(uploadedId);
    if (found) return found;
    throw new ArizeLookupError(`Local experiment "${ref}" was uploaded to Arize AX as ${uploadedId}, which AX no longer has (deleted?)`);
  }
  const space = await client.space();
  const candidates = await client.listExperiments({ spaceId: space.id, name: ref });
  const exact = candidates.filter((e) => e.name === ref);
  if (exact.length === 1) return exact[0]!;
  const uploads = candidates.filter((e) => e.name.startsWith(`${ref} `)).sort((a, b) => b.created_at.localeCompare(a.created_at));
  if (exact.length === 0 && uploads.length > 0) return uploads[0]!;
  if (exact.length > 1) throw new ArizeLookupError(`${exact.length} experiments on Arize AX are named "${ref}" (${exact.map((e) => e.id).join(", ")}): give the experiment id`);
  throw new ArizeLookupError(`No experiment "${ref}" on Arize AX in space "${space.name}", nor in the local store`);
}

/** A stored run as the CLI prints it: AX's columns, with the evaluations gathered from `eval.<name>.*`. */
export interface ArizeRunView {
  id: string;
  example_id: string | null;
  run_id: string | null;
  repetition: number | null;
  output: string | null;
  error: string | null;
  evaluations: Record<string, { score?: number; label?: string; explanation?: string; error?: string }>;
  annotations: AxRun["annotations"];
}

export function runView(run: AxRun): ArizeRunView {
  const evaluations: ArizeRunView["evaluations"] = {};
  for (const [key, value] of Object.entries(run)) {
    const match = /^eval\.(.+)\.(score|label|explanation|error)$/.exec(key);
    if (!match || value === null || value === undefined) continue;
    const entry = (evaluations[match[1]!] ??= {});
    if (match[2] === "score" && typeof value === "number") entry.score = value;
    else if (match[2] !== "score") entry[match[2] as "label" | "explanation" | "error"] = String(value);
  }
  return {
    id: run.id,
    example_id: run.example_id ?? null,
    run_id: typeof run[RUN_ID_COLUMN] === "string" ? (run[RUN_ID_COLUMN] as string) : null,
    repetition: typeof run.repetition === "number" ? run.repetition : null,
    output: run.output ?? null,
    error: run.error ?? null,
    evaluations,
    annotations: run.annotations ?? [],
  };
}
