import type { DatasetInput, ExampleInput } from "../datasets/types.js";
import type { JsonObject, JsonValue } from "../record/types.js";
import { PhoenixClient, type PhoenixClientOptions } from "./client.js";
import { PhoenixError } from "./errors.js";

export type PhoenixDatasetSelector = { name: string; id?: never } | { id: string; name?: never };

export interface PhoenixDatasetOptions {
  /** A DatasetVersion GlobalID; default the latest version. */
  versionId?: string;
  /** Only examples in these splits (names or GlobalIDs). */
  splits?: string[];
  /** Explicit connection settings; default Phoenix's environment variables. */
  client?: PhoenixClient | PhoenixClientOptions;
}

export class PhoenixDatasetError extends Error {
  override readonly name = "PhoenixDatasetError";
}

/**
 * A Phoenix dataset's examples as an experiment dataset: tests are named by each example's `id`
 * (the external id it was uploaded with, else its node id), runs reference its `node_id`, and the
 * experiment is created on the dataset's own version, so nothing is uploaded again.
 */
export async function loadPhoenixDataset(selector: PhoenixDatasetSelector, options: PhoenixDatasetOptions = {}): Promise<DatasetInput> {
  const described = "name" in selector && selector.name !== undefined ? `named "${selector.name}"` : `with id ${selector.id}`;
  const owned = !(options.client instanceof PhoenixClient);
  const client = options.client instanceof PhoenixClient ? options.client : PhoenixClient.fromEnv(options.client ?? {});
  if (!client) {
    throw new PhoenixDatasetError(`phoenix.dataset(): cannot load the Phoenix dataset ${described}: PHOENIX_HOST is not set (nor the \`host\` option)`);
  }
  try {
    let datasetId: string;
    let name: string;
    let description: string | null = null;
    if (selector.id !== undefined) {
      const dataset = await client.getDataset(selector.id).catch((error: unknown) => {
        if (error instanceof PhoenixError && error.status === 404) throw new PhoenixDatasetError(`Phoenix has no dataset with id ${selector.id} (${client.host})`);
        throw error;
      });
      ({ id: datasetId, name, description } = dataset);
    } else {
      const dataset = await client.findDatasetByName(selector.name);
      if (!dataset) throw new PhoenixDatasetError(`Phoenix has no dataset named "${selector.name}" (${client.host})`);
      ({ id: datasetId, name, description } = dataset);
    }
    const examples = await client
      .getDatasetExamples(datasetId, { ...(options.versionId ? { versionId: options.versionId } : {}), ...(options.splits ? { splits: options.splits } : {}) })
      .catch((error: unknown) => {
        if (error instanceof PhoenixError && error.status === 404) {
          throw new PhoenixDatasetError(`Phoenix dataset ${described}: ${error.serverMessage ?? "version or split not found"}`);
        }
        throw error;
      });
    if (examples.examples.length === 0) {
      throw new PhoenixDatasetError(`Phoenix dataset ${described} has no examples${options.splits ? ` in splits ${options.splits.join(", ")}` : ""} at version ${examples.version_id}`);
    }
    return {
      name,
      ...(description ? { description } : {}),
      source: `phoenix:${client.host}/datasets/${datasetId}`,
      phoenix: { datasetId: examples.dataset_id, versionId: examples.version_id, ...(options.splits?.length ? { splits: options.splits } : {}) },
      examples: examples.examples.map(
        (example): ExampleInput => ({
          id: example.id,
          nodeId: example.node_id,
          input: example.input as JsonObject,
          expected: example.output as JsonValue,
          metadata: example.metadata as JsonObject,
          ...(options.splits ? { splits: options.splits } : {}),
        }),
      ),
    };
  } finally {
    if (owned) await client.close();
  }
}
