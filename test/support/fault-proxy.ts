import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { seededRandom } from "../../src/engine/sampling.js";

/**
 * A fault-injecting HTTP proxy on 127.0.0.1 in front of a real server (the real Phoenix): what the
 * fake Phoenix server's faults do, for a server whose code is not ours. Each request is either
 * forwarded untouched, or meets one fault drawn from a seeded schedule:
 * - `unavailable`: 503 from the proxy, the server never sees the request;
 * - `rate-limited`: 429 with `Retry-After` from the proxy;
 * - `reset-before`: the client's connection is destroyed before anything is forwarded;
 * - `reset-after`: the request is forwarded and answered by the server, then the client's
 *   connection is destroyed — the hard case: the server applied it, the client saw a failure;
 * and every request may wait a random latency first.
 */

export type ProxyFault = "unavailable" | "rate-limited" | "reset-before" | "reset-after";

export interface ProxyRequest {
  method: string;
  path: string;
  /** The parsed JSON body, when there is one. */
  body: unknown;
}

export interface FaultProxyOptions {
  /** `http://127.0.0.1:<port>` of the server behind the proxy. */
  target: string;
  seed?: number;
  unavailableRate?: number;
  rateLimitRate?: number;
  retryAfterSeconds?: number;
  resetBeforeRate?: number;
  resetAfterRate?: number;
  /** Each request waits a uniformly drawn 0…latencyMs before it is handled. */
  latencyMs?: number;
  /** Random faults hit only requests this accepts (default: the REST API, /v1/ but not the OTLP /v1/traces). */
  only?: (request: ProxyRequest) => boolean;
  /** A fault chosen for this request before the random schedule (e.g. every attempt of one run's upload). */
  decide?: (request: ProxyRequest) => ProxyFault | undefined;
}

export interface FaultProxy {
  url: string;
  /** Requests seen, and how many met each fault. */
  readonly stats: { requests: number; faults: Record<ProxyFault, number> };
  /** Replaces the fault settings (the target stays). */
  setFaults(options: Omit<FaultProxyOptions, "target">): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"]);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

const defaultOnly = ({ path }: ProxyRequest) => path.startsWith("/v1/") && !path.startsWith("/v1/traces");

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  let settings: Omit<FaultProxyOptions, "target"> = options;
  let random = seededRandom(settings.seed ?? 1);
  const stats = { requests: 0, faults: { unavailable: 0, "rate-limited": 0, "reset-before": 0, "reset-after": 0 } as Record<ProxyFault, number> };
  const sockets = new Set<Socket>();

  function pick(request: ProxyRequest): ProxyFault | undefined {
    const decided = settings.decide?.(request);
    if (decided) return decided;
    if (!(settings.only ?? defaultOnly)(request)) return undefined;
    const roll = random();
    const table: [ProxyFault, number | undefined][] = [
      ["unavailable", settings.unavailableRate],
      ["rate-limited", settings.rateLimitRate],
      ["reset-before", settings.resetBeforeRate],
      ["reset-after", settings.resetAfterRate],
    ];
    let edge = 0;
    for (const [fault, rate] of table) {
      edge += rate ?? 0;
      if (roll < edge) return fault;
    }
    return undefined;
  }

  function forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...forwardable(req.headers), host: target.host, "content-length": String(body.length) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
          response.on("error", reject);
        },
      );
      upstream.on("error", reject);
      upstream.end(body);
    });
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    let parsed: unknown;
    if (body.length > 0 && String(req.headers["content-type"] ?? "").includes("json")) {
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        parsed = undefined;
      }
    }
    stats.requests++;
    const fault = pick({ method: req.method ?? "GET", path, body: parsed });
    if (fault) stats.faults[fault]++;
    if (settings.latencyMs) await new Promise((resolve) => setTimeout(resolve, random() * settings.latencyMs!));
    if (fault === "reset-before") return void req.socket.destroy();
    if (fault === "unavailable") return void res.writeHead(503, { "content-type": "text/plain" }).end("Service Unavailable");
    if (fault === "rate-limited") {
      return void res.writeHead(429, { "content-type": "text/plain", "retry-after": String(settings.retryAfterSeconds ?? 1) }).end("Too Many Requests");
    }
    const answer = await forward(req, body);
    if (fault === "reset-after") return void req.socket.destroy();
    res.writeHead(answer.status, { ...forwardable(answer.headers), "content-length": String(answer.body.length) });
    res.end(answer.body);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end("Bad Gateway");
      else req.socket.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    setFaults(next) {
      settings = next;
      random = seededRandom(next.seed ?? 1);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
