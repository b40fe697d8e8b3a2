/** A dataset that cannot be read or is not valid. Names the source (file and line, when known). */
export class DatasetError extends Error {
  override name = "DatasetError";
  constructor(
    readonly source: string,
    readonly problem: string,
    readonly line?: number,
  ) {
    super(`${source}${line !== undefined ? `:${line}` : ""}: ${problem}`);
  }
}
