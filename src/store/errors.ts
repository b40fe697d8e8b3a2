/**
 * Errors the local store raises. Each names the path it concerns and says what to do, because
 * the caller (the reporter) prints the message and carries on without the store.
 */
export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    message: string,
    /** The file or directory the error concerns. */
    readonly path: string,
    /** The system error code behind it (ENOTDIR, EACCES, ENOSPC…), when there is one. */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const reasons: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exceeded",
  ENOTDIR: "a part of the path is a file, not a directory",
  EISDIR: "the path is a directory, not a file",
  EEXIST: "a file is in the way",
};

/** Turns a failed write into a StoreError that names the path and how to get around it. */
export function unwritableStoreError(storeDir: string, path: string, error: unknown): StoreError {
  const code = errorCode(error);
  const reason = (code && reasons[code]) ?? (error instanceof Error ? error.message : String(error));
  return new StoreError(
    `Cannot write to the experiment store at ${storeDir} (${path}: ${reason}${code ? `, ${code}` : ""}). ` +
      `Runs are not being saved locally. Make the directory writable or point VITEST_EXPERIMENTS_DIR at one that is.`,
    path,
    code,
    { cause: error },
  );
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") return error.code;
  return undefined;
}
