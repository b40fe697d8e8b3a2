import { createHash } from "node:crypto";

export interface RequestIdentity {
  method: string;
  url: string;
  /** The whole request body, byte for byte: any setting that changes the answer changes the key. */
  body: string;
  /**
   * Keeps repetitions of one example apart, so that `repetitions: 3` measures three answers rather
   * than one answer three times. Undefined when the caller opted into sharing.
   */
  repetition?: number | undefined;
}

/** A stable hex key: the same request in any process, on any day, maps to the same file. */
export function requestKey(request: RequestIdentity): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify([1, request.method.toUpperCase(), request.url, request.repetition ?? null]));
  hash.update("\n");
  hash.update(request.body);
  return hash.digest("hex");
}

const SECRET_PARAM = /key|token|secret|signature|sig|password|auth/i;

/** The URL as stored beside a response, with credentials carried in the query string blanked. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  parsed.username = "";
  parsed.password = "";
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, "REDACTED");
  }
  return parsed.toString();
}
