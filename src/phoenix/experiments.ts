import type { ExperimentStore } from "../store/types.js";
import type { PhoenixDataset, PhoenixExperiment } from "./api-types.js";
import type { PhoenixClient } from "./client.js";
import { PhoenixError } from "./errors.js";
import { fromGlobalId } from "./ids.js";
import { ledgerFrom } from "./ledger.js";

/** Reading experiments back from Phoenix: listings across datasets, one experiment, its runs. */

export interface PhoenixExperimentListing {
  dataset: PhoenixDataset;
  experiment: PhoenixExperiment;
}

/** One run as Phoenix's `GET /v1/experiments/{id}/json` gives it, with its annotations (evaluations). */
export interface PhoenixRunRecord {
  /** The DatasetExample GlobalID. */
  example_id: string;
  repetition_number: number;
  input: unknown;
  reference_output: unknown;
  output: unknown;
  error: string | null;
  latency_ms: number | null;
  start_time: string;
  end_time: string;
  trace_id: string | null;
  annotations: {
    name: string;
    annotator_kind: string;
    label: string | null;
    score: number | null;
    explanation: string | null;
    error: string | null;
    metadata: Record<string, unknown> | null;
  }[];
}

/** Every experiment on the server (or on one dataset, by name), newest first. Phoenix lists experiments per dataset. */
export async function listPhoenixExperiments(client: PhoenixClient, options: { dataset?: string } = {}): Promise<PhoenixExperimentListing[]> {
  let datasets: PhoenixDataset[];
  if (options.dataset !== undefined) {
    const found = await client.findDatasetByName(options.dataset);
    if (!found) throw new Error(`Phoenix has no dataset named ${JSON.stringify(options.dataset)} (${client.host})`);
    datasets = [found];
  } else {
    datasets = await client.collect<PhoenixDataset>("/v1/datasets");
  }
  const listings = await Promise.all(
    datasets.map(async (dataset) => (await client.listExperiments(dataset.id)).map((experiment) => ({ dataset, experiment }))),
  );
  return listings.flat().sort((a, b) => b.experiment.created_at.localeCompare(a.experiment.created_at));
}

/**
 * The Phoenix experiment a person means by `ref`: a Phoenix Experiment id; a local experiment
 * (id or name) that was uploaded; or the name of an experiment on the server (the newest of that name).
 */
export async function resolvePhoenixExperiment(client: PhoenixClient, ref: string, store?: ExperimentStore): Promise<PhoenixExperiment> {
  if (fromGlobalId(ref)?.type === "Experiment") {
    try {
      return await client.getExperiment(ref);
    } catch (error) {
      if (error instanceof PhoenixError && error.status === 404) throw new Error(`Phoenix has no experiment with id ${ref} (${client.host})`);
      throw error;
    }
  }
  const stored = store ? await store.readExperiment(ref) : undefined;
  if (stored) {
    const { experimentId } = ledgerFrom(stored.events);
    if (!experimentId) throw new Error(`Experiment ${JSON.stringify(ref)} (${stored.experiment.id}) is in the local store but was never uploaded to Phoenix; run \`vitest-experiments upload ${stored.experiment.id}\` first`);
    return client.getExperiment(experimentId);
  }
  const named = (await listPhoenixExperiments(client)).find((l) => l.experiment.name === ref);
  if (!named) throw new Error(`No experiment ${JSON.stringify(ref)} on Phoenix (${client.host}): give a Phoenix experiment id, or a name (see \`vitest-experiments phoenix list\`)`);
  return named.experiment;
}

/** The runs of an experiment with their examples and evaluations; empty when it has none (Phoenix answers 404 then). */
export async function phoenixRunRecords(client: PhoenixClient, experimentId: string): Promise<PhoenixRunRecord[]> {
  try {
    const response = await client.request<PhoenixRunRecord[] | string>("GET", `/v1/experiments/${encodeURIComponent(experimentId)}/json`);
    // The schema says text/plain; the server sends application/json.
    return typeof response.body === "string" ? (JSON.parse(response.body) as PhoenixRunRecord[]) : response.body;
  } catch (error) {
    if (error instanceof PhoenixError && error.status === 404) {
      await client.getExperiment(experimentId); // a missing experiment stays an error
      return [];
    }
    throw error;
  }
}
