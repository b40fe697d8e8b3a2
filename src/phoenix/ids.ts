/**
 * Phoenix identifies rows with Relay GlobalIDs: base64 of `"<Type>:<rowid>"`. Clients must treat
 * them as opaque; these helpers exist for the fake server, for tests and for telling apart an
 * external example id from a DatasetExample node id.
 */

export type GlobalIdType =
  | "Dataset"
  | "DatasetVersion"
  | "DatasetExample"
  | "Experiment"
  | "ExperimentRun"
  | "ExperimentEvaluation"
  | (string & {});

export function toGlobalId(type: GlobalIdType, rowId: number): string {
  return Buffer.from(`${type}:${rowId}`, "utf8").toString("base64");
}

/** The type and row id of a GlobalID, or undefined when it does not decode as one. */
export function fromGlobalId(id: string): { type: string; rowId: number } | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(id)) return undefined;
  const decoded = Buffer.from(id, "base64").toString("utf8");
  const match = /^([A-Za-z]+):(\d+)$/.exec(decoded);
  if (!match) return undefined;
  return { type: match[1]!, rowId: Number(match[2]) };
}

export function isGlobalIdOf(id: string, type: GlobalIdType): boolean {
  return fromGlobalId(id)?.type === type;
}
