import { Pool, type Dispatcher } from "undici";
import type {
  CreateExperimentBody,
  CreateRunBody,
  IncompleteEvaluation,
  IncompleteRun,
  Page,
  PhoenixDataset,
  PhoenixDatasetExamples,
  PhoenixDatasetVersion,
  PhoenixExperiment,
  PhoenixRun,
  UploadDatasetBody,
  UploadDatasetResult,
  UpsertEvaluationBody,
} from "./api-types.js";
import { resolvePhoenixConfig, type PhoenixConfig, type PhoenixConfigOptions } from "./config.js";
import { createRedactor, PhoenixError } from "./errors.js";
import { notSent, OutageWatch } from "./outage.js";
import { checkServerVersion } from "./server-version.js";
import { backoffDelay, DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, sleep as realSleep, type RetryPolicy } from "./retry.js";

export interface PhoenixClientOptions extends PhoenixConfigOptions {
  /** Kept-alive connections to the server; also the cap on requests in flight. Default 8. */
  connections?: number;
  retry?: Partial<RetryPolicy>;
  /** Per request: time to wait for response headers, and between body chunks. Default 30 s. */
  timeoutMs?: number;
  /** Called before each retry; the message holds no secrets. */
  onRetry?: (info: RetryInfo) => void;
  /** For tests: how to wait (record the delays instead of sleeping), and the jitter source. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * How long requests fail at once, without being sent, after one exhausted its retries on a
   * network error or a 5xx while no other request succeeded (the server is down, not one request
   * unlucky). Default 60 s.
   */
  outageMs?: number;
}

export interface RetryInfo {
  method: string;
  path: string;
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  reason: string;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | readonly string[] | undefined | null>;
  body?: unknown;
  /** Statuses returned to the caller instead of thrown (e.g. 409 on a run). */
  accept?: readonly number[];
  /** Overrides the policy's retries for this request (0: one attempt). */
  retries?: number;
}

export interface PhoenixResponse<T = unknown> {
  status: number;
  body: T;
}

/**
 * A small Phoenix REST client over undici: one kept-alive connection pool, retries with
 * exponential backoff and jitter on network errors, 429 (honouring `Retry-After`) and 5xx, and
 * permanent errors that carry the server's message. Nothing it throws or reports holds the API
 * key or a header value.
 */
export class PhoenixClient {
  readonly host: string;
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  private readonly policy: RetryPolicy;
  private readonly redact: (text: string) => string;
  private readonly wait: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly onRetry: ((info: RetryInfo) => void) | undefined;
  private closed = false;
  /** The version in the first Phoenix response's `x-phoenix-server-version` header. */
  private seenVersion: string | undefined;
  private versionCheck: Promise<void> | undefined;
  /** Set when a request spent its retries on a down server: later requests fail fast for a while. */
  private readonly outage: OutageWatch<PhoenixError>;

  constructor(config: PhoenixConfig, options: Omit<PhoenixClientOptions, keyof PhoenixConfigOptions> = {}) {
    this.host = config.host;
    const url = new URL(config.host);
    this.basePath = url.pathname.replace(/\/+$/, "");
    const timeout = options.timeoutMs ?? 30_000;
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 8,
      keepAliveTimeout: 10_000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    this.headers = {
      ...config.headers,
      ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
      accept: "application/json, text/plain",
    };
    this.redact = createRedactor([config.apiKey, ...Object.values(config.headers)]);
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.wait = options.sleep ?? ((ms) => realSleep(ms));
    this.random = options.random ?? Math.random;
    this.onRetry = options.onRetry;
    this.outage = new OutageWatch(options.outageMs);
  }

  /** A client from explicit options or Phoenix's environment variables; undefined when no host is set. */
  static fromEnv(options: PhoenixClientOptions = {}, env: NodeJS.ProcessEnv = process.env): PhoenixClient | undefined {
    const config = resolvePhoenixConfig(options, env);
    return config ? new PhoenixClient(config, options) : undefined;
  }

  /** Hides secrets in any text that may reach a person (server messages, error messages). */
  redactText(text: string): string {
    return this.redact(text);
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<PhoenixResponse<T>> {
    if (this.closed) throw new PhoenixError(`Phoenix client is closed (${method} ${path})`, { kind: "network", method, path, retryable: false });
    const retries = options.retries ?? this.policy.retries;
    this.failFastDuringOutage(method, path);
    const successesBefore = this.outage.mark();
    for (let attempt = 0; ; attempt++) {
      let failure: PhoenixError;
      let retryAfterMs: number | undefined;
      try {
        const response = await this.send(method, path, options);
        if ((response.status >= 200 && response.status < 300) || options.accept?.includes(response.status)) {
          this.outage.succeeded();
          return response as PhoenixResponse<T>;
        }
        failure = this.httpError(method, path, response);
        retryAfterMs = response.status === 429 ? parseRetryAfter(response.retryAfter) : undefined;
      } catch (error) {
        if (error instanceof PhoenixError) failure = error;
        else failure = this.networkError(method, path, error);
      }
      if (!failure.retryable) throw failure;
      if (attempt >= retries) {
        this.outage.exhausted(failure, retries, successesBefore);
        throw failure;
      }
      const delayMs =
        retryAfterMs !== undefined ? Math.min(retryAfterMs, this.policy.maxRetryAfterMs) : backoffDelay(this.policy, attempt, this.random);
      this.onRetry?.({ method, path, retry: attempt + 1, delayMs, reason: failure.message });
      await this.wait(delayMs);
      // Another request found the server down meanwhile: stop here rather than spend the rest of the budget.
      if (this.outage.tripped) throw failure;
    }
  }

  /**
   * A server that failed a request through all its retries is down, not unlucky: for a while,
   * requests fail at once (retryable, so the work stays pending for a later upload) instead of each
   * holding a connection slot through its own full backoff.
   */
  private failFastDuringOutage(method: string, path: string): void {
    const failure = this.outage.current();
    if (!failure) return;
    const { message, fields } = notSent("Phoenix", method, path, failure);
    throw new PhoenixError(message, fields);
  }

  /** Attempts after the first that a request gets by default. */
  get retries(): number {
    return this.policy.retries;
  }

  /**
   * Waits before retry number `retry` (1-based) of a request the caller retries itself, because a
   * blind retry could duplicate it (creating an experiment is not idempotent).
   */
  async pauseBeforeRetry(retry: number, failure: PhoenixError): Promise<void> {
    const delayMs = backoffDelay(this.policy, retry - 1, this.random);
    this.onRetry?.({ method: failure.method, path: failure.path, retry, delayMs, reason: failure.message });
    await this.wait(delayMs);
  }

  private async send(method: string, path: string, options: RequestOptions) {
    const hasBody = options.body !== undefined;
    let response: Dispatcher.ResponseData;
    response = await this.pool.request({
      method: method as Dispatcher.HttpMethod,
      path: this.basePath + path + queryString(options.query),
      headers: hasBody ? { ...this.headers, "content-type": "application/json" } : this.headers,
      body: hasBody ? withoutNul(JSON.stringify(options.body)) : null,
    });
    const text = await response.body.text();
    const header = (name: string) => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const contentType = header("content-type") ?? "";
    const status = response.statusCode;
    const version = header("x-phoenix-server-version");
    if (version) this.seenVersion ??= version;
    // Phoenix sets this header on every answer but its own 500s; a proxy in front of it may
    // answer 5xx/429 itself: those stay retryable.
    if (!version && !isRetryableStatus(status)) throw notPhoenix(this.host, method, path, status, contentType, header, this.redact(text));
    let body: unknown = text;
    if (contentType.includes("application/json") && text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    } else if (text.length === 0) {
      body = undefined;
    }
    return { status, body, retryAfter: header("retry-after") };
  }

  private httpError(method: string, path: string, response: { status: number; body: unknown }): PhoenixError {
    const serverMessage = this.redact(describeBody(response.body));
    const { status } = response;
    if (status === 401 || status === 403) {
      const hint = status === 401 ? "check PHOENIX_API_KEY (sent as Authorization: Bearer)" : "the API key's user may not write here (viewer role or read-only server)";
      return new PhoenixError(`Phoenix refused ${method} ${path}: ${status} ${serverMessage} — ${hint}`, {
        kind: "auth", method, path, status, serverMessage, retryable: false,
      });
    }
    return new PhoenixError(`Phoenix ${method} ${path} failed: ${status} ${serverMessage}`, {
      kind: "http", method, path, status, serverMessage, retryable: isRetryableStatus(status),
    });
  }

  private networkError(method: string, path: string, error: unknown): PhoenixError {
    const code = (error as { code?: string }).code;
    const message = this.redact((error as Error)?.message ?? String(error));
    const hint = code === "ECONNREFUSED" ? ` (is Phoenix running at ${this.host}?)` : "";
    return new PhoenixError(`Phoenix ${method} ${path} failed: ${code ? `${code} ` : ""}${message}${hint}`, {
      kind: "network", method, path, ...(code ? { code } : {}), retryable: true,
    });
  }

  /** Every item of a cursor-paginated list, following `next_cursor` until it is null. */
  async *paginate<T>(path: string, query: RequestOptions["query"] = {}, pageSize = 100): AsyncGenerator<T> {
    let cursor: string | null = null;
    do {
      const response: PhoenixResponse<Page<T>> = await this.request<Page<T>>("GET", path, { query: { ...query, limit: pageSize, cursor } });
      yield* response.body.data;
      cursor = response.body.next_cursor;
    } while (cursor);
  }

  async collect<T>(path: string, query: RequestOptions["query"] = {}, pageSize = 100): Promise<T[]> {
    const items: T[] = [];
    for await (const item of this.paginate<T>(path, query, pageSize)) items.push(item);
    return items;
  }

  // ---- datasets ----

  async findDatasetByName(name: string): Promise<PhoenixDataset | undefined> {
    const response = await this.request<Page<PhoenixDataset>>("GET", "/v1/datasets", { query: { name, limit: 1 } });
    return response.body.data[0];
  }

  async getDataset(id: string): Promise<PhoenixDataset> {
    return (await this.request<{ data: PhoenixDataset }>("GET", `/v1/datasets/${enc(id)}`)).body.data;
  }

  async getDatasetExamples(id: string, options: { versionId?: string; splits?: readonly string[] } = {}): Promise<PhoenixDatasetExamples> {
    const query = { version_id: options.versionId, split: options.splits };
    return (await this.request<{ data: PhoenixDatasetExamples }>("GET", `/v1/datasets/${enc(id)}/examples`, { query })).body.data;
  }

  listDatasetVersions(id: string): Promise<PhoenixDatasetVersion[]> {
    return this.collect<PhoenixDatasetVersion>(`/v1/datasets/${enc(id)}/versions`);
  }

  /** A JSON upload with `sync=true`, so the ids come back. 409 (name taken, `create`) is returned, not thrown. */
  async uploadDataset(body: UploadDatasetBody, options: { retries?: number } = {}): Promise<UploadDatasetResult | { conflict: string }> {
    const response = await this.request<{ data: UploadDatasetResult } | string>("POST", "/v1/datasets/upload", {
      query: { sync: true }, body, accept: [409], ...options,
    });
    if (response.status === 409) return { conflict: describeBody(response.body) };
    return (response.body as { data: UploadDatasetResult }).data;
  }

  // ---- experiments ----

  async createExperiment(datasetId: string, body: CreateExperimentBody, options: { retries?: number } = {}): Promise<PhoenixExperiment> {
    return (await this.request<{ data: PhoenixExperiment }>("POST", `/v1/datasets/${enc(datasetId)}/experiments`, { body, ...options })).body.data;
  }

  async getExperiment(id: string): Promise<PhoenixExperiment> {
    return (await this.request<{ data: PhoenixExperiment }>("GET", `/v1/experiments/${enc(id)}`)).body.data;
  }

  listExperiments(datasetId: string): Promise<PhoenixExperiment[]> {
    return this.collect<PhoenixExperiment>(`/v1/datasets/${enc(datasetId)}/experiments`, {}, 100);
  }

  async updateExperiment(id: string, body: { name?: string; description?: string | null; metadata?: Record<string, unknown> }): Promise<PhoenixExperiment> {
    return (await this.request<{ data: PhoenixExperiment }>("PATCH", `/v1/experiments/${enc(id)}`, { body })).body.data;
  }

  async deleteExperiment(id: string, options: { deleteProject?: boolean } = {}): Promise<void> {
    await this.request("DELETE", `/v1/experiments/${enc(id)}`, { query: { delete_project: options.deleteProject ? true : undefined } });
  }

  // ---- runs and evaluations ----

  /** `exists`: a successful run is already stored for this example × repetition (409). */
  async createRun(experimentId: string, body: CreateRunBody): Promise<{ id: string } | { exists: true }> {
    const response = await this.request<{ data: { id: string } }>("POST", `/v1/experiments/${enc(experimentId)}/runs`, { body, accept: [409] });
    return response.status === 409 ? { exists: true } : { id: response.body.data.id };
  }

  /** All runs (Phoenix returns every run in one answer when no limit is given). */
  async listRuns(experimentId: string): Promise<PhoenixRun[]> {
    return (await this.request<Page<PhoenixRun>>("GET", `/v1/experiments/${enc(experimentId)}/runs`)).body.data;
  }

  listIncompleteRuns(experimentId: string): Promise<IncompleteRun[]> {
    return this.collect<IncompleteRun>(`/v1/experiments/${enc(experimentId)}/incomplete-runs`, {}, 500);
  }

  async upsertEvaluation(body: UpsertEvaluationBody): Promise<{ id: string }> {
    return (await this.request<{ data: { id: string } }>("POST", "/v1/experiment_evaluations", { body })).body.data;
  }

  listIncompleteEvaluations(experimentId: string, names: readonly string[]): Promise<IncompleteEvaluation[]> {
    return this.collect<IncompleteEvaluation>(`/v1/experiments/${enc(experimentId)}/incomplete-evaluations`, { evaluation_name: names }, 500);
  }

  async serverVersion(): Promise<string> {
    return String((await this.request<string>("GET", "/arize_phoenix_version")).body).trim();
  }

  /**
   * Refuses (a permanent `version` error) a server older than `minimum`, once per client: the
   * version comes from a response already seen, else from `GET /arize_phoenix_version`.
   */
  requireServerVersion(minimum: string, needs: string): Promise<void> {
    if (!this.versionCheck) {
      const check = (async () => {
        const version = this.seenVersion ?? (await this.serverVersion());
        checkServerVersion(this.host, version, minimum, needs);
      })();
      this.versionCheck = check;
      check.catch((error: unknown) => {
        if (error instanceof PhoenixError && error.retryable && this.versionCheck === check) this.versionCheck = undefined;
      });
    }
    return this.versionCheck;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }
}

/**
 * PostgreSQL stores no U+0000 in text or JSONB, so PostgreSQL-backed Phoenix answers 500 to any
 * body holding one (SQLite-backed Phoenix keeps it): every NUL is sent as U+FFFD, the Unicode
 * replacement character, on either database. Works on the JSON text, where a NUL can only be the
 * escape `\u0000` (an escaped backslash before "u0000" is left alone).
 */
export function withoutNul(json: string): string {
  return json.includes("\\u0000") ? json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1\\ufffd") : json;
}

/** An answer without Phoenix's header: say who answered and what it means, not just "not Phoenix". */
function notPhoenix(
  host: string,
  method: string,
  path: string,
  status: number,
  contentType: string,
  header: (name: string) => string | undefined,
  text: string,
): PhoenixError {
  const server = header("server");
  const via = header("via");
  const who = server || via ? `${[server, via && `via ${via}`].filter(Boolean).join(" ")}` : "an unknown server";
  const snippet = contentType.includes("html") ? "an HTML page" : text.trim() ? JSON.stringify(text.trim().slice(0, 200)) : "an empty body";
  const answered = `${method} ${path} was answered ${status} by ${who} (${snippet}) without Phoenix's x-phoenix-server-version header`;
  const details = { kind: "not-phoenix" as const, method, path, status, retryable: false };
  if (status === 413) {
    return new PhoenixError(
      `${answered}: a proxy in front of Phoenix refused the request body as too large (nginx's default client_max_body_size is 1 MiB). Raise the proxy's body limit for ${host}.`,
      details,
    );
  }
  if (status === 401 || status === 403 || status === 407) {
    return new PhoenixError(
      `${answered}: an authenticating proxy in front of Phoenix refused the request. Check PHOENIX_CLIENT_HEADERS (the proxy's credentials) and PHOENIX_API_KEY.`,
      details,
    );
  }
  return new PhoenixError(
    `${host} does not look like a Phoenix server: ${answered}. Check PHOENIX_HOST (the Phoenix base URL, e.g. http://localhost:6006).`,
    details,
  );
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

function queryString(query: RequestOptions["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The server's message: a text/plain detail, or the 422 validation details as `loc: msg` lines. */
function describeBody(body: unknown): string {
  if (body === undefined || body === null) return "(empty answer)";
  if (typeof body === "string") return body.length > 500 ? `${body.slice(0, 500)}…` : body;
  const detail = (body as { detail?: unknown }).detail;
  if (Array.isArray(detail)) {
    return detail
      .map((item: { loc?: unknown[]; msg?: string }) => `${Array.isArray(item.loc) ? item.loc.join(".") : "?"}: ${item.msg ?? "invalid"}`)
      .join("; ");
  }
  if (typeof detail === "string") return detail;
  return JSON.stringify(body).slice(0, 500);
}
