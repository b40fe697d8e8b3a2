/**
 * Phoenix UI links. The experiment page is the dataset's compare view: Phoenix's UI navigates to
 * `/datasets/<datasetId>/compare?experimentId=<experimentId>` from its experiments table, and the
 * Python client's `get_experiment_url` builds the same URL.
 */

export function phoenixExperimentUrl(host: string, datasetId: string, experimentId: string): string {
  return `${host.replace(/\/+$/, "")}/datasets/${encodeURIComponent(datasetId)}/compare?experimentId=${encodeURIComponent(experimentId)}`;
}

export function phoenixDatasetExperimentsUrl(host: string, datasetId: string): string {
  return `${host.replace(/\/+$/, "")}/datasets/${encodeURIComponent(datasetId)}/experiments`;
}
