import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A provider that enforces a request rate the way LLM APIs do: at most `ratePerSecond` requests
 * are *accepted* in any sliding one-second window; anything beyond is answered 429 and does not
 * count against the window. Runs on 127.0.0.1 for tests of the adaptive rate limiter.
 *
 * The server measures what the client achieved, so a test asserts on the provider's view of the
 * traffic rather than on the client's own bookkeeping.
 */
export interface RateLimitedServerOptions {
  ratePerSecond: number;
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
}

export interface RateLimitedServer {
  url: string;
  stats(): RateLimitedServerStats;
  close(): Promise<void>;
}

const WINDOW_MS = 1_000;

export async function startRateLimitedServer(options: RateLimitedServerOptions): Promise<RateLimitedServer> {
  const { ratePerSecond, retryAfterSeconds } = options;
  if (!(Number.isInteger(ratePerSecond) && ratePerSecond > 0)) throw new Error(`ratePerSecond must be a whole number > 0, got ${ratePerSecond}`);
  /** Times of accepted requests still inside the current window, oldest first. */
  const window: number[] = options.startSaturated ? Array.from({ length: ratePerSecond }, () => performance.now()) : [];
  /** Every accepted request's time, for the statistics. */
  const acceptedAt: number[] = [];
  let refused = 0;
  let maxAcceptedInWindow = 0;

  const server: Server = createServer((request, response) => {
    // Drain the body (if any) before answering, so keep-alive connections stay reusable.
    request.resume();
    request.on("end", () => {
      const now = performance.now();
      while (window.length > 0 && window[0]! <= now - WINDOW_MS) window.shift();
      if (window.length >= ratePerSecond) {
        refused++;
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (retryAfterSeconds !== undefined) headers["retry-after"] = String(retryAfterSeconds);
        response.writeHead(429, headers).end(JSON.stringify({ error: { type: "rate_limit_exceeded", message: "Rate limit reached" } }));
        return;
      }
      window.push(now);
      acceptedAt.push(now);
      maxAcceptedInWindow = Math.max(maxAcceptedInWindow, window.length);
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, n: acceptedAt.length }));
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
      return { accepted: acceptedAt.length, refused, firstAcceptedAt: first, lastAcceptedAt: last, throughput, steadyThroughput, maxAcceptedInWindow };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
