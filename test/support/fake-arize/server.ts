import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { seededRandom } from "../../../src/engine/sampling.js";
import { ContractError, handle } from "./routes.js";
import { FakeArizeState, HttpFailure, type RequestLogEntry } from "./state.js";

/**
 * A fake Arize AX REST v2 server on 127.0.0.1 for tests: the routes the product uses, with AX's
 * rules as `@arizeai/ax-client`'s generated contract states them (status codes, cursor pagination
 * and its limits, GlobalID-style ids, required fields, 1–1,000 runs a request, example ids that
 * must exist, 401 without the bearer key), every contract breach recorded, and seeded faults.
 */

export type FaultKind = "unavailable" | "rate-limited" | "reset-before" | "reset-after";

export interface FaultOptions {
  seed?: number;
  /** Share of requests answered 503 before they are processed. */
  unavailableRate?: number;
  /** Share of requests whose connection is destroyed, half before and half after processing (the answer is lost). */
  resetRate?: number;
  /** Share of requests answered 429 with `Retry-After`. */
  rateLimitRate?: number;
  /** Share of requests processed and then answered 500 (the write landed; the answer says it failed). */
  errorAfterRate?: number;
  retryAfterSeconds?: number;
  /** Added before every answer (a network's round trip). */
  latencyMs?: number;
  /** Faults apply only to requests this accepts (default: every /v2 request). */
  only?: (request: { method: string; path: string }) => boolean;
}

export interface FakeArizeOptions {
  /** The bearer key every /v2 request must carry. */
  apiKey: string;
  /** Spaces to create (name → id is assigned). Default one space, "default". */
  spaces?: string[];
  faults?: FaultOptions;
  /** A server-side limit on a run's `output` (AX has limits its contract does not state): longer is refused with 422. */
  maxOutputChars?: number;
}

export interface FakeArize {
  url: string;
  state: FakeArizeState;
  /** The first space's id. */
  spaceId: string;
  setFaults(faults: FaultOptions | undefined): void;
  failNext(...faults: (FaultKind | "error-after")[]): void;
  /** These faults hit the next writes (POST, DELETE), in order, before any other fault; "pass" lets one through. */
  failNextWrites(...faults: (FaultKind | "error-after" | "pass")[]): void;
  close(): Promise<void>;
}

export async function startFakeArize(options: FakeArizeOptions): Promise<FakeArize> {
  const state = new FakeArizeState();
  for (const name of options.spaces ?? ["default"]) state.addSpace(name);
  let faults = options.faults;
  let random = seededRandom(faults?.seed ?? 1);
  const scripted: (FaultKind | "error-after")[] = [];
  const scriptedWrites: (FaultKind | "error-after" | "pass")[] = [];
  const sockets = new Set<Socket>();

  function pickFault(method: string, path: string): FaultKind | "error-after" | undefined {
    const applies = faults?.only ? faults.only({ method, path }) : path.startsWith("/v2/");
    if (!applies) return undefined;
    if (method !== "GET" && scriptedWrites.length > 0) {
      const next = scriptedWrites.shift();
      return next === "pass" ? undefined : next;
    }
    if (scripted.length > 0) return scripted.shift();
    if (!faults) return undefined;
    const roll = random();
    let edge = faults.unavailableRate ?? 0;
    if (roll < edge) return "unavailable";
    edge += faults.resetRate ?? 0;
    if (roll < edge) return random() < 0.5 ? "reset-before" : "reset-after";
    edge += faults.rateLimitRate ?? 0;
    if (roll < edge) return "rate-limited";
    edge += faults.errorAfterRate ?? 0;
    if (roll < edge) return "error-after";
    return undefined;
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const raw = (await readBody(req)).toString("utf8");
    const authorized = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1] === options.apiKey;
    const entry: RequestLogEntry = { method, path: url.pathname, query: url.search, status: 0, authorized, rawBody: raw };
    state.requests.push(entry);
    if (faults?.latencyMs) await new Promise((resolve) => setTimeout(resolve, faults!.latencyMs));

    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      const problem = status >= 400;
      res.writeHead(status, { ...(body === undefined ? {} : { "content-type": problem ? "application/problem+json" : "application/json" }), ...headers });
      res.end(body === undefined ? "" : JSON.stringify(body));
    };
    const problem = (status: number, title: string, detail?: string, headers?: Record<string, string>) =>
      send(status, { title, status, ...(detail ? { detail } : {}) }, headers);
    const reset = () => {
      entry.status = "reset";
      req.socket.destroy();
    };

    const fault = pickFault(method, url.pathname);
    if (fault) entry.fault = fault;
    if (fault === "unavailable") return problem(503, "Service Unavailable");
    if (fault === "rate-limited") return problem(429, "Too Many Requests", "rate limit exceeded", { "retry-after": String(faults?.retryAfterSeconds ?? 0) });
    if (fault === "reset-before") return reset();

    if (!authorized) return problem(401, "Unauthorized", "missing or invalid API key");

    let body: unknown;
    if (raw.length > 0) {
      if (!req.headers["content-type"]?.startsWith("application/json")) {
        state.violations.push({ method, path: url.pathname, errors: [`content-type must be application/json, got ${req.headers["content-type"] ?? "(none)"}`] });
        return problem(400, "Bad Request", "content-type must be application/json");
      }
      try {
        body = JSON.parse(raw);
      } catch (error) {
        state.violations.push({ method, path: url.pathname, errors: [`body is not JSON: ${(error as Error).message}`] });
        return problem(400, "Bad Request", "body is not JSON");
      }
    }

    let answer: { status: number; body?: unknown };
    try {
      answer = handle(state, { method, path: url.pathname, query: url.searchParams, body }, { maxOutputChars: options.maxOutputChars });
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      if (error instanceof ContractError) state.violations.push({ method, path: url.pathname, errors: error.errors });
      answer = { status: error.status, body: { title: error.title, status: error.status, ...(error.detail ? { detail: error.detail } : {}) } };
    }
    if (fault === "reset-after") return reset();
    if (fault === "error-after") return problem(500, "Internal Server Error");
    send(answer.status, answer.body);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`fake-arize: ${(error as Error).stack ?? String(error)}`);
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
  let open = true;

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    spaceId: state.spaces[0]!.id,
    setFaults(next) {
      faults = next;
      random = seededRandom(next?.seed ?? 1);
    },
    failNext(...kinds) {
      scripted.push(...kinds);
    },
    failNextWrites(...kinds) {
      scriptedWrites.push(...kinds);
    },
    close() {
      if (!open) return Promise.resolve();
      open = false;
      return new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
