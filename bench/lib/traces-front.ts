import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface TracesFront {
  url: string;
  /** OTLP export requests answered here (never forwarded). */
  traceRequests(): number;
  close(): Promise<void>;
}

/**
 * A pass-through in front of the fake Phoenix server that also accepts OpenTelemetry exports on
 * `/v1/traces`, which the fake server does not implement. @arizeai/phoenix-client exports a span
 * per task run and fails its runExperiment when the export is refused, so it cannot record against
 * the fake server directly. Both uploaders in W5 go through this front, so the extra hop costs
 * them the same.
 */
export async function startTracesFront(target: string): Promise<TracesFront> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let traces = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith("/v1/traces")) {
      traces++;
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => forward(req, res, Buffer.concat(chunks), true));
  });
  /**
   * Forwards one buffered request. A kept-alive socket the upstream closed while idle fails the
   * next request sent on it; that request never reached the server, so it is sent once more.
   */
  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, mayRetry: boolean): void {
    const outgoing = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, "content-length": String(body.length) }, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    outgoing.on("error", () => {
      if (mayRetry && outgoing.reusedSocket) forward(req, res, body, false);
      else res.destroy();
    });
    outgoing.end(body);
  }
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    traceRequests: () => traces,
    async close() {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
