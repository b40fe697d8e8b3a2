import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { PhoenixClient, withoutNul, type PhoenixClientOptions } from "../../../src/phoenix/client.js";
import { isAtLeast, MINIMUM_PHOENIX_VERSION } from "../../../src/phoenix/server-version.js";
import { parseClientHeaders, PhoenixConfigError, resolvePhoenixConfig } from "../../../src/phoenix/config.js";
import { PhoenixError } from "../../../src/phoenix/errors.js";
import { fromGlobalId, toGlobalId } from "../../../src/phoenix/ids.js";
import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter } from "../../../src/phoenix/retry.js";
import { startFakePhoenix, type FakePhoenix } from "../../support/fake-phoenix/index.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function fake(options: Parameters<typeof startFakePhoenix>[0] = {}): Promise<FakePhoenix> {
  const server = await startFakePhoenix(options);
  cleanups.push(() => server.close());
  return server;
}

function client(host: string, options: PhoenixClientOptions = {}) {
  const delays: number[] = [];
  const c = new PhoenixClient(
    { host, headers: options.headers ?? {}, ...(options.apiKey ? { apiKey: options.apiKey } : {}) },
    { sleep: async (ms) => void delays.push(ms), random: () => 0.5, ...options },
  );
  cleanups.push(() => c.close());
  return { client: c, delays };
}

/** The PhoenixError a call rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<PhoenixError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(PhoenixError);
  return outcome as PhoenixError;
}

async function rawServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe("GlobalIDs", () => {
  it("encode and decode Relay ids as Phoenix does", () => {
    expect(toGlobalId("Dataset", 1)).toBe("RGF0YXNldDox");
    expect(toGlobalId("DatasetVersion", 1)).toBe("RGF0YXNldFZlcnNpb246MQ==");
    expect(fromGlobalId("RXhwZXJpbWVudFJ1bjox")).toEqual({ type: "ExperimentRun", rowId: 1 });
    expect(fromGlobalId("q1")).toBeUndefined();
    expect(fromGlobalId("not base64!")).toBeUndefined();
  });
});

describe("configuration", () => {
  it("reads PHOENIX_HOST, PHOENIX_API_KEY and PHOENIX_CLIENT_HEADERS (JSON or k=v pairs)", () => {
    expect(resolvePhoenixConfig({}, {})).toBeUndefined();
    expect(
      resolvePhoenixConfig({}, { PHOENIX_HOST: "http://localhost:6006/", PHOENIX_API_KEY: "k", PHOENIX_CLIENT_HEADERS: '{"X-Team":"evals"}' }),
    ).toEqual({ host: "http://localhost:6006", apiKey: "k", headers: { "x-team": "evals" } });
    expect(parseClientHeaders("api_key=abc,x-other=d%20e")).toEqual({ api_key: "abc", "x-other": "d e" });
    expect(resolvePhoenixConfig({ host: "https://app.phoenix.arize.com/s/team/" }, {})?.host).toBe("https://app.phoenix.arize.com/s/team");
  });

  it("names the variable and never shows a header value in configuration errors", () => {
    const secret = '{"authorization": "Bearer topsecret-123"';
    expect(() => parseClientHeaders(secret)).toThrow(PhoenixConfigError);
    try {
      parseClientHeaders(secret);
    } catch (error) {
      expect((error as Error).message).toMatch(/PHOENIX_CLIENT_HEADERS is not valid JSON/);
      expect((error as Error).message).not.toContain("topsecret");
    }
    expect(() => resolvePhoenixConfig({}, { PHOENIX_HOST: "localhost:6006" })).toThrow(/PHOENIX_HOST must be an http\(s\) URL/);
    expect(() => resolvePhoenixConfig({}, { PHOENIX_HOST: "http://user:pw@host" })).toThrow(/must not carry credentials/);
  });
});

describe("retry policy", () => {
  it("backs off exponentially with full jitter, capped", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, minDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4].map((i) => backoffDelay(policy, i, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
  });
  it("reads Retry-After in seconds or as a date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});

describe("PhoenixClient", () => {
  it("retries 503s and connection resets until the request succeeds", async () => {
    const server = await fake();
    const { client: c, delays } = client(server.url, { retry: { minDelayMs: 10 } });
    server.failNext("unavailable", "reset-before", "unavailable");
    expect(await c.findDatasetByName("nothing")).toBeUndefined();
    expect(server.state.count("GET", "/v1/datasets")).toBe(4);
    expect(delays).toEqual([5, 10, 20]); // random() = 0.5 of 10, 20, 40
  });

  it("honours Retry-After on 429", async () => {
    const server = await fake({ faults: { retryAfterSeconds: 7 } });
    const { client: c, delays } = client(server.url);
    server.failNext("rate-limited");
    await c.findDatasetByName("x");
    expect(delays).toEqual([7000]);
  });

  it("waits out a server that is down, then succeeds", async () => {
    const server = await fake();
    await server.down();
    let retries = 0;
    const { client: c } = client(server.url, {
      retry: { retries: 5 },
      onRetry: (info) => {
        retries++;
        expect(info.reason).toMatch(/ECONNREFUSED/);
        if (retries === 2) void server.up();
      },
      sleep: () => new Promise((resolve) => setTimeout(resolve, 20)),
    });
    expect(await c.serverVersion()).toBe("20.26.1");
    expect(retries).toBeGreaterThanOrEqual(2);
  });

  it("gives up after its retries with an error that says what failed", async () => {
    const server = await fake({ faults: { unavailableRate: 1 } });
    const { client: c, delays } = client(server.url, { retry: { retries: 2 } });
    const error = await failure(c.findDatasetByName("x"));
    expect(error).toBeInstanceOf(PhoenixError);
    expect((error as PhoenixError).message).toBe("Phoenix GET /v1/datasets failed: 503 Service Unavailable");
    expect((error as PhoenixError).retryable).toBe(true);
    expect(delays).toHaveLength(2);
  });

  it("does not retry other 4xx and carries the server's message (text/plain and 422 JSON)", async () => {
    const server = await fake();
    const { client: c, delays } = client(server.url);
    const notFound = await failure(c.getExperiment(toGlobalId("Experiment", 99)));
    expect(notFound).toMatchObject({ status: 404, retryable: false, serverMessage: "Experiment with ID RXhwZXJpbWVudDo5OQ== does not exist" });
    const invalid = await failure(c.getExperiment("???"));
    expect(invalid.status).toBe(422);
    expect(invalid.message).toMatch(/path\.experiment_id: Invalid Experiment ID/);
    expect(delays).toEqual([]);
  });

  it("reports a wrong API key as an auth error naming PHOENIX_API_KEY, without the key", async () => {
    const server = await fake({ apiKey: "right-key-0001" });
    const { client: c } = client(server.url, { apiKey: "wrong-key-9999" });
    const error = await failure(c.findDatasetByName("x"));
    expect(error.kind).toBe("auth");
    expect(error.message).toMatch(/401 Invalid token — check PHOENIX_API_KEY/);
    expect(error.message).not.toContain("wrong-key-9999");
    const { client: ok } = client(server.url, { apiKey: "right-key-0001" });
    expect(await ok.findDatasetByName("x")).toBeUndefined();
  });

  it("recognises a URL that is not a Phoenix server", async () => {
    const url = await rawServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>hello</html>");
    });
    const { client: c, delays } = client(url);
    const error = await failure(c.findDatasetByName("x"));
    expect(error.kind).toBe("not-phoenix");
    expect(error.message).toMatch(/does not look like a Phoenix server: GET \/v1\/datasets was answered 200 by an unknown server \(an HTML page\) without Phoenix's x-phoenix-server-version header\. Check PHOENIX_HOST/);
    expect(delays).toEqual([]);
  });

  it("says who answered when a proxy in front of Phoenix refuses a request (413 body too large, 401/403), with the status", async () => {
    const statuses = [413, 401, 403];
    const url = await rawServer((_req, res) => {
      const status = statuses.shift()!;
      res.writeHead(status, { "content-type": "text/html", server: "nginx/1.25.3" });
      res.end("<html><body>refused</body></html>");
    });
    const { client: c, delays } = client(url);
    const tooLarge = await failure(c.request("POST", "/v1/datasets/upload", { body: { name: "big" } }));
    expect(tooLarge.kind).toBe("not-phoenix");
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.message).toBe(
      "POST /v1/datasets/upload was answered 413 by nginx/1.25.3 (an HTML page) without Phoenix's x-phoenix-server-version header: a proxy in front of Phoenix refused the request body as too large (nginx's default client_max_body_size is 1 MiB). Raise the proxy's body limit for " + url + ".",
    );
    for (const status of [401, 403]) {
      const refused = await failure(c.findDatasetByName("x"));
      expect(refused.status).toBe(status);
      expect(refused.message).toMatch(new RegExp(`^GET /v1/datasets was answered ${status} by nginx/1\\.25\\.3 .*an authenticating proxy in front of Phoenix refused the request\\. Check PHOENIX_CLIENT_HEADERS`));
    }
    expect(delays).toEqual([]);
  });

  it("refuses a Phoenix server older than the minimum once, with the version it found; newer and unreadable versions pass", async () => {
    let versionRequests = 0;
    const url = await rawServer((req, res) => {
      if (req.url === "/arize_phoenix_version") versionRequests++;
      res.writeHead(200, { "content-type": "text/plain", "x-phoenix-server-version": "14.2.0" });
      res.end("14.2.0");
    });
    const { client: c } = client(url);
    const refused = await failure(c.requireServerVersion(MINIMUM_PHOENIX_VERSION, "needs upserts"));
    expect(refused.kind).toBe("version");
    expect(refused.retryable).toBe(false);
    expect(refused.message).toBe(`Phoenix at ${url} is version 14.2.0; vitest-experiments needs Phoenix 15.0.0 or newer (it needs upserts). Upgrade Phoenix, or set VITEST_EXPERIMENTS_UPLOAD=false to run without uploading.`);
    await failure(c.requireServerVersion(MINIMUM_PHOENIX_VERSION, "needs upserts"));
    expect(versionRequests).toBe(1);
    expect([isAtLeast("20.26.1", "15.0.0"), isAtLeast("15.0.0rc1", "15.0.0"), isAtLeast("12.10.0", "12.9.3"), isAtLeast("dev", "15.0.0")]).toEqual([true, true, true, undefined]);
  });

  it("sends every NUL character as U+FFFD (PostgreSQL-backed Phoenix answers 500 to a NUL), leaving an escaped backslash before u0000 alone", async () => {
    let received = "";
    const url = await rawServer((req, res) => {
      req.setEncoding("utf8");
      req.on("data", (chunk) => (received += chunk));
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json", "x-phoenix-server-version": "20.26.1" });
        res.end("{}");
      });
    });
    const { client: c } = client(url);
    await c.request("POST", "/v1/x", { body: { "k\u0000": "a\u0000b", text: "\\u0000 stays", both: "\\\u0000" } });
    expect(JSON.parse(received)).toEqual({ "k\ufffd": "a\ufffdb", text: "\\u0000 stays", both: "\\\ufffd" });
    expect(withoutNul('"plain"')).toBe('"plain"');
  });

  it("redacts the API key and header values that a server echoes back", async () => {
    const url = await rawServer((req, res) => {
      res.writeHead(400, { "content-type": "text/plain", "x-phoenix-server-version": "20.3.0" });
      res.end(`bad request with ${req.headers.authorization} and ${req.headers["x-secret"]}`);
    });
    const { client: c } = client(url, { apiKey: "key-abcdef-123", headers: { "x-secret": "hdr-value-456" } });
    const error = await failure(c.findDatasetByName("x"));
    expect(error.message).toBe("Phoenix GET /v1/datasets failed: 400 bad request with Bearer [REDACTED] and [REDACTED]");
    expect(JSON.stringify(error)).not.toMatch(/key-abcdef-123|hdr-value-456/);
  });

  it("sends the API key as a bearer token and extra headers on every request, under a path prefix", async () => {
    const seen: { url?: string; auth?: string; extra?: string }[] = [];
    const url = await rawServer((req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization, extra: req.headers["x-team"] as string });
      res.writeHead(200, { "content-type": "application/json", "x-phoenix-server-version": "20.3.0" });
      res.end(JSON.stringify({ data: [], next_cursor: null }));
    });
    const { client: c } = client(`${url}/s/space`, { apiKey: "k-12345", headers: { "x-team": "evals" } });
    await c.findDatasetByName("my data");
    expect(seen).toEqual([{ url: "/s/space/v1/datasets?name=my+data&limit=1", auth: "Bearer k-12345", extra: "evals" }]);
  });

  it("follows next_cursor through every page", async () => {
    const server = await fake();
    const { client: c } = client(server.url);
    for (let i = 0; i < 7; i++) await c.uploadDataset({ name: `d${i}`, inputs: [{ i }] });
    const names = (await c.collect<{ name: string }>("/v1/datasets", {}, 3)).map((d) => d.name);
    expect(names).toEqual(["d6", "d5", "d4", "d3", "d2", "d1", "d0"]);
    expect(server.state.count("GET", "/v1/datasets")).toBe(3);
  });
});

describe("a server that looks down", () => {
  // A request that fails through all its retries trips the fail-fast only when nothing else got
  // through meanwhile: one request the server always refuses must not stop the rest of an upload.
  async function twoPathServer(): Promise<string> {
    return rawServer((request, response) => {
      response.setHeader("x-phoenix-server-version", "20.26.1");
      if (request.url === "/v1/bad") return void response.writeHead(503).end("broken");
      response.writeHead(200, { "content-type": "application/json" }).end('{"data":[]}');
    });
  }

  it("one request failing while others succeed leaves later requests alone", async () => {
    const host = await twoPathServer();
    // Each retry of the bad request waits until a good request has been answered.
    let good: Promise<unknown> = Promise.resolve();
    const { client: c } = client(host, { retry: { retries: 2 }, sleep: () => good.then(() => undefined) });
    good = c.request("GET", "/v1/good");
    await failure(c.request("GET", "/v1/bad"));
    await expect(c.request("GET", "/v1/good")).resolves.toMatchObject({ status: 200 });
  });

  it("a request failing through its retries with nothing else answered makes later requests fail fast, unsent", async () => {
    const host = await twoPathServer();
    const { client: c } = client(host, { retry: { retries: 2 } });
    await failure(c.request("GET", "/v1/bad"));
    const unsent = await failure(c.request("GET", "/v1/good"));
    expect(unsent.message).toMatch(/not sent: the server looks down/);
    expect(unsent.retryable).toBe(true);
  });
});
