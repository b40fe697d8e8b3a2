import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A request as the fake server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: any;
}

/** What the server answers to one request. */
export type FakeReply =
  /** A chat completion whose first choice says `content`. */
  | { content: string }
  /** Any status and body (an object is sent as JSON), e.g. a 429 with Retry-After or a 500. */
  | { status: number; body?: string | object; headers?: Record<string, string> }
  /** Close the connection without answering: a network error for the client. */
  | { destroy: true }
  /** Decide from the request. */
  | ((request: RecordedRequest) => FakeReply);

export interface FakeOpenAI {
  /** `http://127.0.0.1:<port>/v1`, as an OpenAI SDK baseURL. */
  baseURL: string;
  requests: RecordedRequest[];
  /** Queues replies, answered in order; when the queue is empty the fallback answers. */
  reply(...replies: FakeReply[]): void;
  /** Forgets queued replies and recorded requests (call it between tests). */
  reset(): void;
  close(): Promise<void>;
}

export function completionBody(content: string, model = "fake-model"): object {
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", logprobs: null }],
    usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
  };
}

/**
 * A local OpenAI-compatible chat-completions server on 127.0.0.1 with scripted, deterministic
 * replies. Unscripted requests get a 500 naming the request, so a test never passes by accident.
 */
export async function startFakeOpenAI(options: { fallback?: FakeReply } = {}): Promise<FakeOpenAI> {
  const queue: FakeReply[] = [];
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      const recorded: RecordedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, rawBody, body };
      requests.push(recorded);
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
        return;
      }
      let reply: FakeReply = queue.shift() ?? options.fallback ?? { status: 500, body: { error: { message: `unscripted request #${requests.length}` } } };
      while (typeof reply === "function") reply = reply(recorded);
      if ("destroy" in reply) {
        req.socket.destroy();
        return;
      }
      if ("content" in reply) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(completionBody(reply.content, (body as { model?: string } | undefined)?.model)));
        return;
      }
      const text = typeof reply.body === "string" ? reply.body : reply.body === undefined ? "" : JSON.stringify(reply.body);
      res.writeHead(reply.status, { "content-type": typeof reply.body === "object" ? "application/json" : "text/plain", ...(reply.headers ?? {}) }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    reply: (...replies) => void queue.push(...replies),
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
