import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { seededRandom } from "../../../src/engine/sampling.js";
import { loadContract } from "./contract.js";
import { handle, HtmlPage } from "./routes.js";
import { FakePhoenixState, HttpFailure, type RequestLogEntry } from "./state.js";

/**
 * A fake Phoenix server on 127.0.0.1 for tests: the routes the product uses, Phoenix's server
 * rules, every JSON request body checked against the OpenAPI contract, and deterministic faults.
 */

import { FAKE_PHOENIX_VERSION } from "./version.js";
export { FAKE_PHOENIX_VERSION };

export type FaultKind = "unavailable" | "rate-limited" | "reset-before" | "reset-after";

export interface FaultOptions {
  /** Seed of the fault schedule: the same seed and requests give the same faults. */
  seed?: number;
  /** Added before every answer. */
  latencyMs?: number;
  /** Share of requests answered 503 before they are processed. */
  unavailableRate?: number;
  /** Share of requests whose connection is destroyed, half before and half after processing (the answer is lost). */
  resetRate?: number;
  /** Share of requests answered 429 with `Retry-After`. */
  rateLimitRate?: number;
  retryAfterSeconds?: number;
  /** Faults apply only to requests this accepts (default: every /v1 request). */
  only?: (request: { method: string; path: string }) => boolean;
}

export interface FakePhoenixOptions {
  /** When set, /v1 routes require `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  faults?: FaultOptions;
  port?: number;
  /**
   * The database whose behaviour the fake copies where Phoenix's two differ. `postgres` (the
   * default, the stricter): a U+0000 anywhere in a request body is a 500 (PostgreSQL stores none).
   * `sqlite`: it is kept.
   */
  database?: "postgres" | "sqlite";
}

export interface FakePhoenix {
  url: string;
  state: FakePhoenixState;
  setFaults(faults: FaultOptions | undefined): void;
  /** These faults hit the next matching requests, in order, before the random ones. */
  failNext(...faults: FaultKind[]): void;
  /** Refuse connections (the port is closed and open sockets destroyed) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakePhoenix(options: FakePhoenixOptions = {}): Promise<FakePhoenix> {
  const state = new FakePhoenixState();
  state.database = options.database ?? "postgres";
  const contract = loadContract();
  let faults = options.faults;
  let random = seededRandom(faults?.seed ?? 1);
  const scripted: FaultKind[] = [];
  const sockets = new Set<Socket>();

  function pickFault(method: string, path: string): FaultKind | undefined {
    const applies = faults?.only ? faults.only({ method, path }) : path.startsWith("/v1/");
    if (!applies) return undefined;
    if (scripted.length > 0) return scripted.shift();
    if (!faults) return undefined;
    const roll = random();
    let edge = faults.unavailableRate ?? 0;
    if (roll < edge) return "unavailable";
    edge += faults.resetRate ?? 0;
    if (roll < edge) return random() < 0.5 ? "reset-before" : "reset-after";
    edge += faults.rateLimitRate ?? 0;
    if (roll < edge) return "rate-limited";
    return undefined;
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const entry: RequestLogEntry = { method, path: url.pathname, query: url.search, status: 0 };
    state.requests.push(entry);
    const bytes = await readBody(req);
    const raw = bytes.toString("utf8");
    if (faults?.latencyMs) await new Promise((resolve) => setTimeout(resolve, faults!.latencyMs));

    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      const html = body instanceof HtmlPage;
      const text = body === undefined ? "" : html ? body.html : typeof body === "string" ? body : JSON.stringify(body);
      res.writeHead(status, {
        // Phoenix's version middleware does not run on its own unhandled errors (500).
        ...(status === 500 ? {} : { "x-phoenix-server-version": FAKE_PHOENIX_VERSION }),
        ...(body === undefined ? {} : { "content-type": html ? "text/html; charset=utf-8" : typeof body === "string" ? "text/plain; charset=utf-8" : "application/json" }),
        ...headers,
      });
      res.end(text);
    };
    const reset = () => {
      entry.status = "reset";
      req.socket.destroy();
    };

    const fault = pickFault(method, url.pathname);
    if (fault) entry.fault = fault;
    if (fault === "unavailable") return send(503, "Service Unavailable");
    if (fault === "rate-limited") return send(429, "Too many requests.", { "retry-after": String(faults?.retryAfterSeconds ?? 1) });
    if (fault === "reset-before") return reset();

    if (options.apiKey && url.pathname.startsWith("/v1/")) {
      const match = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
      if (match?.[1] !== options.apiKey) {
        return send(401, "Invalid token", {
          "www-authenticate": `Bearer realm="Arize Phoenix", resource_metadata="http://127.0.0.1/.well-known/oauth-protected-resource"`,
        });
      }
    }

    const contentType = req.headers["content-type"];
    // OTLP/HTTP: Phoenix takes protobuf only. The export is kept raw for tests to inspect.
    if (method === "POST" && url.pathname === "/v1/traces") {
      if (contentType !== "application/x-protobuf") return send(415, `Unsupported content type: ${contentType ?? "(none)"}`);
      state.traces.push(bytes);
      return send(200, undefined);
    }
    if (state.database === "postgres" && /(?<!\\)(?:\\\\)*\\u0000/.test(raw)) {
      // PostgreSQL refuses U+0000 in text and JSONB; Phoenix does not catch it.
      return send(500, "Internal Server Error");
    }
    let body: unknown;
    if (raw.length > 0 && contentType?.startsWith("application/json")) {
      try {
        body = JSON.parse(raw);
      } catch (error) {
        state.violations.push({ method, path: url.pathname, errors: [`body is not JSON: ${(error as Error).message}`] });
        return send(422, { detail: [{ loc: ["body"], msg: "JSON decode error", type: "json_invalid", input: raw.slice(0, 100), ctx: {} }] });
      }
      const errors = contract.validateRequestBody(method, url.pathname, body);
      if (errors.length > 0) {
        state.violations.push({ method, path: url.pathname, errors });
        return send(422, { detail: errors.map((msg) => ({ loc: ["body"], msg, type: "contract", input: null, ctx: {} })) });
      }
    }

    let answer: { status: number; body?: unknown };
    try {
      answer = handle(state, { method, path: url.pathname, query: url.searchParams, body, contentType });
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      answer = { status: error.status, body: error.body };
    }
    if (fault === "reset-after") return reset();
    send(answer.status, answer.body);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`fake-phoenix: ${(error as Error).stack ?? String(error)}`);
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });

  const port = await listen(options.port ?? 0);
  let listening = true;

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    setFaults(next) {
      faults = next;
      random = seededRandom(next?.seed ?? 1);
    },
    failNext(...kinds) {
      scripted.push(...kinds);
    },
    async down() {
      if (!listening) return;
      listening = false;
      await stopListening();
    },
    async up() {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    async close() {
      if (!listening) return;
      listening = false;
      await stopListening();
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
