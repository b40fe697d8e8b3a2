import { afterEach, describe, expect, it } from "vitest";
import { PhoenixClient } from "../../../src/phoenix/client.js";
import { ExperimentUpload } from "../../../src/phoenix/experiment-upload.js";
import { emptyLedger } from "../../../src/phoenix/ledger.js";
import { snapshotOf } from "../../../src/phoenix/payloads.js";
import { createPhoenixSink } from "../../../src/sinks/phoenix-sink.js";
import { startFakePhoenix, type FakePhoenix } from "../../support/fake-phoenix/index.js";
import { descriptor, examples, result, run } from "./records.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function fake(): Promise<FakePhoenix> {
  const server = await startFakePhoenix({ apiKey: "px-right-key-0123456789" });
  cleanups.push(() => server.close());
  return server;
}

describe("a refused API key", () => {
  it("costs one request per experiment, not one per run, and one warning without the key", async () => {
    const server = await fake();
    const client = new PhoenixClient({ host: server.url, apiKey: "px-wrong-key-0123456789", headers: {} }, { retry: { minDelayMs: 1, maxDelayMs: 4 } });
    cleanups.push(() => client.close());
    const warnings: string[] = [];
    const sink = createPhoenixSink({ client, output: { log: () => {}, warn: (t) => void warnings.push(t) }, resumePending: false });
    const list = examples(50);
    const experiment = descriptor("exp-refused", list);
    await sink.experimentStarted!(experiment, list);
    for (const example of list) await sink.runCompleted!(run(experiment, example), experiment);
    await sink.experimentFinished!(result(experiment, list.length));
    await sink.close!();
    expect(server.state.requests.filter((r) => r.status === 401)).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("401 Invalid token — check PHOENIX_API_KEY");
    expect(warnings[0]).not.toContain("px-wrong-key-0123456789");
  });

  it("still retries a setup that failed for a reason that heals (the server was down), and not one that was refused", async () => {
    const server = await fake();
    const list = examples(3);
    const make = (apiKey: string, id: string) => {
      const client = new PhoenixClient({ host: server.url, apiKey, headers: {} }, { retry: { retries: 0 } });
      cleanups.push(() => client.close());
      return new ExperimentUpload({ client, experiment: descriptor(id, list), examples: list.map(snapshotOf), ledger: emptyLedger(), limit: (fn) => fn(), record: () => {} });
    };
    const healing = make("px-right-key-0123456789", "exp-heals");
    server.failNext("unavailable");
    await expect(healing.setup()).rejects.toThrow("503");
    await healing.setup();
    expect(server.state.experiments).toHaveLength(1);

    const refused = make("px-wrong-key-0123456789", "exp-refused");
    const before = server.state.requests.length;
    await expect(refused.setup()).rejects.toThrow("401");
    await expect(refused.setup()).rejects.toThrow("401");
    expect(server.state.requests.length - before).toBe(1);
  });
});
