import { Pool, type Dispatcher } from "undici";
import { createRedactor } from "../phoenix/errors.js";
import { notSent, OutageWatch } from "../phoenix/outage.js";
import { backoffDelay, DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, sleep as realSleep, type RetryPolicy } from "../phoenix/retry.js";
import type {
  AxAnnotateRecord,
  AxDataset,
  AxDatasetExample,
  AxDatasetVersionWithExampleIds,
  AxExampleInput,
  AxExperiment,
  AxExperimentWithRunIds,
  AxPagination,
  AxProblem,
  AxRun,
  AxRunInput,
  AxSpace,
  CreateDatasetBody,
  CreateExperimentBody,
} from "./api-types.js";
import { resolveArizeConfig, type ArizeConfig, type ArizeConfigOptions } from "./config.js";
import { ArizeError } from "./errors.js";

/*
 * Why not `@arizeai/ax-client` at run time: its functions call the v2 API once, with no retries,
 * no backoff and no `Retry-After` (an upload of thousands of runs meets 429s and 5xx), its
 * `createClient` takes no `fetch` or dispatcher through which they could be added, it cannot tell
 * an ambiguous failure (answer lost after the write) from a refusal, so a resend could duplicate
 * runs, and it prints pre-release warnings to the console on first use of each function. So this
 * client calls the same v2 endpoints with undici (kept-alive connections, bounded concurrency);
 * the tests prove the fake server against the official client, and the shapes used here against
 * its generated contract.
 */

export interface ArizeClientOptions extends ArizeConfigOptions {
  /** Kept-alive connections; also the cap on requests in flight. Default 8. */
  connections?: number;
  retry?: Partial<RetryPolicy>;
  /** Per request: time to wait for response headers, and between body chunks. Default 60 s. */
  timeoutMs?: number;
  onRetry?: (info: { method: string; path: string; retry: number; delayMs: number; reason: string }) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * How long requests fail at once, without being sent, after one exhausted its retries on a
   * network error or a 5xx (the server is down, not one request unlucky). Default 60 s.
   */
  outageMs?: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  /** Statuses returned to the caller instead of thrown (e.g. 409, 404). */
  accept?: readonly number[];
  /** Overrides the policy's retries for this request (0: one attempt; the caller retries). */
  retries?: number;
}

export interface ArizeResponse<T = unknown> {
  status: number;
  body: T;
}

/**
 * More attempts than Phoenix's default: an upload of thousands of runs makes few, large writes,
 * and one that fails for good leaves the whole batch pending; the backoff ceiling stays modest.
 */
const ARIZE_RETRY_POLICY: RetryPolicy = { ...DEFAULT_RETRY_POLICY, retries: 8, maxDelayMs: 8_000 };

/** AX's largest page for runs and examples. */
const LARGE_PAGE = 500;
/** AX's largest page for spaces, datasets and experiments. */
const SMALL_PAGE = 100;

/**
 * A small Arize AX REST v2 client over undici: kept-alive connections, retries with exponential
 * backoff and jitter on network errors, 429 (honouring `Retry-After`) and 5xx, and errors that
 * carry the server's problem detail. A refused key (401/403) is remembered: every later request
 * fails at once with the same error, so a wrong key costs one request, not one per run. A server
 * found down (a request spent its retries on a network error or a 5xx) costs one retry budget, not
 * one per batch: for a while, requests fail at once, retryable. Nothing it throws or reports holds
 * the API key.
 */
export class ArizeClient {
  readonly baseUrl: string;
  readonly spaceRef: string;
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  private readonly policy: RetryPolicy;
  private readonly redact: (text: string) => string;
  private readonly wait: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly onRetry: ArizeClientOptions["onRetry"];
  private refused: ArizeError | undefined;
  /** Set when a request spent its retries on a down server: later requests fail fast for a while. */
  private readonly outage: OutageWatch<ArizeError>;
  private spacePromise: Promise<AxSpace> | undefined;
  private closed = false;

  constructor(config: ArizeConfig, options: Omit<ArizeClientOptions, keyof ArizeConfigOptions> = {}) {
    this.baseUrl = config.baseUrl;
    this.spaceRef = config.space;
    const url = new URL(config.baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, "");
    const timeout = options.timeoutMs ?? 60_000;
    this.pool = new Pool(url.origin, { connections: options.connections ?? 8, keepAliveTimeout: 10_000, headersTimeout: timeout, bodyTimeout: timeout });
    this.headers = { authorization: `Bearer ${config.apiKey}`, accept: "application/json, application/problem+json", "sdk-package-name": "vitest-experiments" };
    this.redact = createRedactor([config.apiKey]);
    this.policy = { ...ARIZE_RETRY_POLICY, ...options.retry };
    this.wait = options.sleep ?? ((ms) => realSleep(ms));
    this.random = options.random ?? Math.random;
    this.onRetry = options.onRetry;
    this.outage = new OutageWatch(options.outageMs);
  }

  /** A client from explicit options or Arize's environment variables; undefined when no key is set. */
  static fromEnv(options: ArizeClientOptions = {}, env: NodeJS.ProcessEnv = process.env): ArizeClient | undefined {
    const config = resolveArizeConfig(options, env);
    return config ? new ArizeClient(config, options) : undefined;
  }

  /** Set once AX refused the key (401/403): nothing more is sent. */
  get refusedKey(): boolean {
    return this.refused !== undefined;
  }

  redactText(text: string): string {
    return this.redact(text);
  }

  get retries(): number {
    return this.policy.retries;
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<ArizeResponse<T>> {
    if (this.closed) throw new ArizeError(`Arize AX client is closed (${method} ${path})`, { kind: "network", method, path, retryable: false, ambiguous: false });
    if (this.refused) throw this.refused;
    this.failFastDuringOutage(method, path);
    const retries = options.retries ?? this.policy.retries;
    const since = this.outage.mark();
    for (let attempt = 0; ; attempt++) {
      let failure: ArizeError;
      try {
        const response = await this.send(method, path, options);
        if ((response.status >= 200 && response.status < 300) || options.accept?.includes(response.status)) {
          this.outage.succeeded();
          return response as ArizeResponse<T>;
        }
        failure = this.httpError(method, path, response);
      } catch (error) {
        failure = error instanceof ArizeError ? error : this.networkError(method, path, error);
      }
      if (failure.kind === "auth") this.refused ??= failure;
      if (!failure.retryable) throw failure;
      await this.pauseBeforeRetry(attempt + 1, failure, retries, since);
    }
  }

  /**
   * Waits before retry number `retry` (1-based): the server's `Retry-After` when it sent one
   * (capped), else exponential backoff with jitter. Throws `failure` instead when the retry would
   * exceed the budget (`retries`, default the policy's), or once a request found the server down
   * (before or during the wait): the rest of the budget would be spent on a server that is down.
   * Also for callers that retry a write themselves (after looking whether it landed).
   */
  async pauseBeforeRetry(retry: number, failure: ArizeError, retries: number = this.policy.retries, since?: number): Promise<void> {
    if (retry > retries) {
      this.outage.exhausted(failure, retries, since);
      throw failure;
    }
    if (this.outage.tripped) throw failure;
    const delayMs = failure.retryAfterMs !== undefined ? Math.min(failure.retryAfterMs, this.policy.maxRetryAfterMs) : backoffDelay(this.policy, retry - 1, this.random);
    this.onRetry?.({ method: failure.method, path: failure.path, retry, delayMs, reason: failure.message });
    await this.wait(delayMs);
    if (this.outage.tripped) throw failure;
  }

  /**
   * A server that failed a request through all its retries is down, not unlucky: for a while,
   * requests fail at once (retryable and never sent, so the runs stay pending for a later upload
   * and nothing needs looking for) instead of each spending a full backoff.
   */
  private failFastDuringOutage(method: string, path: string): void {
    const failure = this.outage.current();
    if (!failure) return;
    const { message, fields } = notSent("Arize AX", method, path, failure);
    throw new ArizeError(message, { ...fields, ambiguous: false });
  }

  private async send(method: string, path: string, options: RequestOptions) {
    const hasBody = options.body !== undefined;
    let response: Dispatcher.ResponseData;
    try {
      response = await this.pool.request({
        method: method as Dispatcher.HttpMethod,
        path: this.basePath + path + queryString(options.query),
        headers: hasBody ? { ...this.headers, "content-type": "application/json" } : this.headers,
        body: hasBody ? JSON.stringify(options.body) : null,
      });
    } catch (error) {
      throw this.networkError(method, path, error);
    }
    const text = await response.body.text().catch((error: unknown) => {
      throw this.networkError(method, path, error);
    });
    const header = (name: string) => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const contentType = header("content-type") ?? "";
    let body: unknown = text.length === 0 ? undefined : text;
    if (contentType.includes("json") && text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: response.statusCode, body, retryAfter: header("retry-after") };
  }

  private httpError(method: string, path: string, response: { status: number; body: unknown; retryAfter?: string | undefined }): ArizeError {
    const serverMessage = this.redact(describeProblem(response.body));
    const { status } = response;
    if (status === 401 || status === 403) {
      const hint =
        status === 401
          ? "check ARIZE_API_KEY (an Arize AX API key, sent as Authorization: Bearer)"
          : "the API key may not write to this space (check its role, and ARIZE_SPACE_ID)";
      return new ArizeError(`Arize AX refused ${method} ${path}: ${status} ${serverMessage} — ${hint}`, {
        kind: "auth", method, path, status, serverMessage, retryable: false, ambiguous: false,
      });
    }
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(response.retryAfter) : undefined;
    return new ArizeError(`Arize AX ${method} ${path} failed: ${status} ${serverMessage}`, {
      kind: "http", method, path, status, serverMessage, retryable: isRetryableStatus(status),
      // A 5xx may come after the write was done; a 429 or 4xx means it was not.
      ambiguous: status >= 500,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }

  private networkError(method: string, path: string, error: unknown): ArizeError {
    if (error instanceof ArizeError) return error;
    const code = (error as { code?: string }).code;
    const message = this.redact((error as Error)?.message ?? String(error));
    const hint = code === "ECONNREFUSED" ? ` (is ARIZE_BASE_URL ${this.baseUrl} right?)` : "";
    return new ArizeError(`Arize AX ${method} ${path} failed: ${code ? `${code} ` : ""}${message}${hint}`, {
      kind: "network", method, path, ...(code ? { code } : {}), retryable: true,
      // Refused connections never reached the server; anything else may have.
      ambiguous: code !== "ECONNREFUSED",
    });
  }

  /** Every item of a cursor-paginated list, following `pagination.next_cursor` while `has_more`. */
  async *paginate<T>(path: string, key: string, query: RequestOptions["query"] = {}, pageSize = SMALL_PAGE): AsyncGenerator<T> {
    let cursor: string | undefined;
    do {
      const response: ArizeResponse<Record<string, unknown>> = await this.request("GET", path, { query: { ...query, limit: pageSize, cursor } });
      const items = response.body[key];
      if (!Array.isArray(items)) throw new Error(`Arize AX GET ${path}: the answer has no "${key}" list`);
      yield* items as T[];
      const pagination = response.body.pagination as AxPagination | undefined;
      cursor = pagination?.has_more ? pagination.next_cursor : undefined;
    } while (cursor);
  }

  async collect<T>(path: string, key: string, query: RequestOptions["query"] = {}, pageSize = SMALL_PAGE): Promise<T[]> {
    const items: T[] = [];
    for await (const item of this.paginate<T>(path, key, query, pageSize)) items.push(item);
    return items;
  }

  // ---- spaces ----

  /**
   * The configured space, resolved once: an id is checked with a GET; a name must match exactly
   * one space the key can see (the list filter is a substring match, so exact names are kept).
   */
  space(): Promise<AxSpace> {
    if (!this.spacePromise) {
      const attempt = this.resolveSpace(this.spaceRef);
      this.spacePromise = attempt;
      attempt.catch((error: unknown) => {
        if (error instanceof ArizeError && error.retryable && this.spacePromise === attempt) this.spacePromise = undefined;
      });
    }
    return this.spacePromise;
  }

  private async resolveSpace(ref: string): Promise<AxSpace> {
    if (looksLikeId(ref, "Space")) {
      const response = await this.request<AxSpace>("GET", `/v2/spaces/${enc(ref)}`, { accept: [404] });
      if (response.status !== 404) return response.body;
    }
    const spaces = (await this.collect<AxSpace>("/v2/spaces", "spaces", { name: ref })).filter((s) => s.name === ref || s.id === ref);
    if (spaces.length === 1) return spaces[0]!;
    if (spaces.length === 0) {
      throw new ArizeError(`ARIZE_SPACE_ID ${JSON.stringify(ref)} matches no Arize AX space this API key can see: give the space's id (from its URL in Arize AX) or its exact name`, {
        kind: "config", method: "GET", path: "/v2/spaces", retryable: false, ambiguous: false,
      });
    }
    throw new ArizeError(
      `ARIZE_SPACE_ID ${JSON.stringify(ref)} names ${spaces.length} Arize AX spaces (${spaces.map((s) => s.id).join(", ")}): set ARIZE_SPACE_ID to the id of the one to use`,
      { kind: "config", method: "GET", path: "/v2/spaces", retryable: false, ambiguous: false },
    );
  }

  // ---- datasets ----

  async findDatasetByName(spaceId: string, name: string): Promise<AxDataset | undefined> {
    const datasets = await this.collect<AxDataset>("/v2/datasets", "datasets", { space_id: spaceId, name });
    return datasets.find((d) => d.name === name);
  }

  async getDataset(id: string): Promise<AxDataset> {
    return (await this.request<AxDataset>("GET", `/v2/datasets/${enc(id)}`)).body;
  }

  /** Not retried blindly (a lost answer would make the resend a 409): 409 comes back as `conflict`. */
  async createDataset(body: CreateDatasetBody, options: { retries?: number } = {}): Promise<AxDataset | { conflict: string }> {
    const response = await this.request<AxDataset>("POST", "/v2/datasets", { body, accept: [409], ...options });
    if (response.status === 409) return { conflict: describeProblem(response.body) };
    return response.body;
  }

  listExamples(datasetId: string, versionId?: string): Promise<AxDatasetExample[]> {
    return this.collect<AxDatasetExample>(`/v2/datasets/${enc(datasetId)}/examples`, "examples", { dataset_version_id: versionId }, LARGE_PAGE);
  }

  async insertExamples(datasetId: string, examples: AxExampleInput[], options: { retries?: number } = {}): Promise<AxDatasetVersionWithExampleIds> {
    return (await this.request<AxDatasetVersionWithExampleIds>("POST", `/v2/datasets/${enc(datasetId)}/examples`, { body: { examples }, ...options })).body;
  }

  // ---- experiments ----

  /** Not retried by default: the caller looks for what landed before sending again. */
  async createExperiment(body: CreateExperimentBody, options: { retries?: number } = { retries: 0 }): Promise<AxExperiment | { conflict: string }> {
    const response = await this.request<AxExperiment>("POST", "/v2/experiments", { body, accept: [409], ...options });
    if (response.status === 409) return { conflict: describeProblem(response.body) };
    return response.body;
  }

  listExperiments(filter: { datasetId?: string; spaceId?: string; name?: string } = {}): Promise<AxExperiment[]> {
    return this.collect<AxExperiment>("/v2/experiments", "experiments", { dataset_id: filter.datasetId, space_id: filter.datasetId ? undefined : filter.spaceId, name: filter.name });
  }

  /** undefined on 404. */
  async getExperiment(id: string): Promise<AxExperiment | undefined> {
    const response = await this.request<AxExperiment>("GET", `/v2/experiments/${enc(id)}`, { accept: [404] });
    return response.status === 404 ? undefined : response.body;
  }

  async deleteExperiment(id: string): Promise<void> {
    await this.request("DELETE", `/v2/experiments/${enc(id)}`);
  }

  listRuns(experimentId: string): Promise<AxRun[]> {
    return this.collect<AxRun>(`/v2/experiments/${enc(experimentId)}/runs`, "experiment_runs", {}, LARGE_PAGE);
  }

  /** Not retried by default: the caller looks for what landed before sending again. */
  async insertRuns(experimentId: string, runs: AxRunInput[], options: { retries?: number } = { retries: 0 }): Promise<AxExperimentWithRunIds> {
    return (await this.request<AxExperimentWithRunIds>("POST", `/v2/experiments/${enc(experimentId)}/runs`, { body: { experiment_runs: runs }, ...options })).body;
  }

  /** Upserts by annotation name (idempotent, so retried like a read). */
  async annotateRuns(experimentId: string, annotations: AxAnnotateRecord[]): Promise<void> {
    await this.request("POST", `/v2/experiments/${enc(experimentId)}/runs/annotate`, { body: { annotations } });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }
}

/** AX ids are base64 of `<Type>:<number>…` (e.g. `U3BhY2U6MTIzNDU=` is `Space:12345`). */
export function looksLikeId(value: string, type: string): boolean {
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(value)) return false;
  try {
    return Buffer.from(value, "base64").toString("utf8").startsWith(`${type}:`);
  } catch {
    return false;
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

function queryString(query: RequestOptions["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null) params.append(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The problem's `detail` (else its `title`), or a short text body. */
function describeProblem(body: unknown): string {
  if (body === undefined || body === null) return "(empty answer)";
  if (typeof body === "string") return body.length > 500 ? `${body.slice(0, 500)}…` : body;
  const problem = body as Partial<AxProblem>;
  if (typeof problem.detail === "string" && problem.detail) return problem.detail;
  if (typeof problem.title === "string" && problem.title) return problem.title;
  return JSON.stringify(body).slice(0, 500);
}
