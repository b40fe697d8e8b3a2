import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { capacityOf, createProviderLimit, type LimitShape } from "./provider-limits.js";

/**
 * A provider that enforces a limit the way LLM APIs and gateways do: by default at most
 * `ratePerSecond` requests are *accepted* in any sliding one-second window; `limit` picks another
 * shape (a token bucket, a fixed calendar-second window, a cap on requests in flight; see
 * provider-limits.ts). Refused requests are answered 429 at once and do not count against the
 * limit; accepted ones are answered after `latencyMs`. Runs on 127.0.0.1 for tests of the
 * adaptive rate limiter.
 *
 * The server measures what the client achieved, so a test asserts on the provider's view of the
 * traffic rather than on the client's own bookkeeping.
 */
export interface RateLimitedServerOptions {
  /** The sliding window's rate; ignored when `limit` is given. */
  ratePerSecond?: number;
  limit?: LimitShape;
  /** How long an accepted request takes: uniform in mean × (1 ± spread). Default 0 (answered at once). */
  latencyMs?: { mean: number; spread?: number };
  /** Sent as `Retry-After` (seconds) on every 429 when set. Real providers often send one; default none. */
  retryAfterSeconds?: number;
  /**
   * Start with the window already full, as when another client spent the allowance just before:
   * every request of the first second is refused.
   */
  startSaturated?: boolean;
  port?: number;
}

export interface RateLimitedServerStats {
  accepted: number;
  refused: number;
  /** Server clock (performance.now()) of the first and last accepted request; null before any. */
  firstAcceptedAt: number | null;
  lastAcceptedAt: number | null;
  /**
   * Accepted requests per second of wall time of the accepted stream (first to last accepted).
   * Null with fewer than two accepted requests.
   */
  throughput: number | null;
  /**
   * The same, leaving out the first window: a provider with a sliding window lets a full window's
   * worth through at once at the start, which flatters `throughput`. This is the rate the client
   * sustained once that first burst was spent. Null when the stream is shorter than two windows.
   */
  steadyThroughput: number | null;
  /** Largest number of requests accepted within one window (must never exceed the rate). */
  maxAcceptedInWindow: number;
  /** Requests a second the provider can serve (for a concurrency cap: cap ÷ mean latency). */
  capacity: number;
  /** Server clock of every accepted request's arrival, oldest first. */
  acceptedAt: readonly number[];
  /** The same per client, for requests naming one in a `client` query parameter. */
  acceptedAtByClient: Readonly<Record<string, readonly number[]>>;
}

export interface RateLimitedServer {
  url: string;
  stats(): RateLimitedServerStats;
  close(): Promise<void>;
}

const WINDOW_MS = 1_000;

export async function startRateLimitedServer(options: RateLimitedServerOptions): Promise<RateLimitedServer> {
  const { retryAfterSeconds } = options;
  const ratePerSecond = options.ratePerSecond ?? 0;
  if (!options.limit && !(Number.isInteger(ratePerSecond) && ratePerSecond > 0)) throw new Error(`ratePerSecond must be a whole number > 0, got ${ratePerSecond}`);
  const shape: LimitShape = options.limit ?? { kind: "sliding-window", rate: ratePerSecond };
  const limit = createProviderLimit(shape, performance.now(), options.startSaturated);
  const meanLatency = options.latencyMs?.mean ?? 0;
  const spread = options.latencyMs?.spread ?? 0.5;
  /** Every accepted request's time, for the statistics. */
  const acceptedAt: number[] = [];
  const acceptedAtByClient: Record<string, number[]> = {};
  let refused = 0;
  let maxAcceptedInWindow = 0;

  const server: Server = createServer((request, response) => {
    // Drain the body (if any) before answering, so keep-alive connections stay reusable.
    request.resume();
    request.on("end", () => {
      const now = performance.now();
      const decision = limit.admit(now);
      if (!decision.accepted) {
        refused++;
        const headers: Record<string, string> = { "content-type": "application/json" };
        const retryAfter = decision.retryAfterSeconds ?? retryAfterSeconds;
        if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
        response.writeHead(429, headers).end(JSON.stringify({ error: { type: "rate_limit_exceeded", message: "Rate limit reached" } }));
        return;
      }
      acceptedAt.push(now);
      const client = new URL(request.url ?? "/", "http://localhost").searchParams.get("client");
      if (client !== null) (acceptedAtByClient[client] ??= []).push(now);
      if (shape.kind !== "concurrency") {
        let inWindow = 0;
        for (let i = acceptedAt.length - 1; i >= 0 && acceptedAt[i]! > now - WINDOW_MS; i--) inWindow++;
        maxAcceptedInWindow = Math.max(maxAcceptedInWindow, inWindow);
      }
      const body = JSON.stringify({
        id: `chatcmpl-${acceptedAt.length}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: "local",
        choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        ok: true,
        n: acceptedAt.length,
      });
      const answer = () => {
        limit.finish();
        response.writeHead(200, { "content-type": "application/json" }).end(body);
      };
      const latency = meanLatency * (1 - spread + 2 * spread * Math.random());
      if (latency > 0) setTimeout(answer, latency);
      else answer();
    });
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    stats() {
      const first = acceptedAt[0] ?? null;
      const last = acceptedAt.at(-1) ?? null;
      const span = first !== null && last !== null ? last - first : 0;
      const throughput = acceptedAt.length >= 2 && span > 0 ? ((acceptedAt.length - 1) * 1000) / span : null;
      let steadyThroughput: number | null = null;
      if (first !== null && last !== null && span >= 2 * WINDOW_MS) {
        const afterFirstWindow = acceptedAt.filter((t) => t >= first + WINDOW_MS).length;
        steadyThroughput = (afterFirstWindow * 1000) / (span - WINDOW_MS);
      }
      return {
        accepted: acceptedAt.length,
        refused,
        firstAcceptedAt: first,
        lastAcceptedAt: last,
        throughput,
        steadyThroughput,
        maxAcceptedInWindow,
        capacity: capacityOf(shape, meanLatency),
        acceptedAt,
        acceptedAtByClient,
      };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
