import { describe, expect, test } from "vitest";
import { fake, KEY } from "./helpers.js";

/** The fake is strict: each request the v2 contract forbids is refused and recorded as a violation. */

async function call(url: string, method: string, path: string, body?: unknown, key = KEY) {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, type: response.headers.get("content-type") };
}

describe("the fake Arize AX server refuses what the contract forbids", () => {
  test("each breach is a 400/422 problem and a recorded violation", async () => {
    const server = await fake();
    const { url, spaceId, state } = server;
    const created = await call(url, "POST", "/v2/datasets", { name: "d", space_id: spaceId, examples: [{ q: 1 }] });
    expect(created.status).toBe(201);
    const datasetId = created.body!.id as string;
    const [example] = state.examplesOf(datasetId);

    const breaches: [string, string, unknown, number][] = [
      ["POST", "/v2/datasets", { name: "e", space_id: spaceId, examples: [] }, 400],
      ["POST", "/v2/datasets", { name: "e", space_id: spaceId, examples: [{}] }, 400],
      ["POST", "/v2/datasets", { name: "e", space_id: spaceId, examples: [{ id: "x", q: 1 }] }, 400],
      ["POST", `/v2/datasets/${datasetId}/examples`, { examples: [{ created_at: "now" }] }, 400],
      ["POST", "/v2/experiments", { name: "x", dataset_id: datasetId, space_id: spaceId, experiment_runs: [{ example_id: example!.id, output: "o" }] }, 400],
      ["POST", "/v2/experiments", { name: "x", dataset_id: datasetId, experiment_runs: [] }, 400],
      ["POST", "/v2/experiments", { name: "x", dataset_id: datasetId, experiment_runs: [{ example_id: example!.id, output: 42 }] }, 422],
      ["POST", "/v2/experiments", { name: "x", dataset_id: datasetId, experiment_runs: [{ output: "o" }] }, 422],
      ["POST", "/v2/experiments", { name: "x", dataset_id: datasetId, experiment_runs: [{ example_id: "RGF0YXNldEV4YW1wbGU6OTk=", output: "o" }] }, 422],
      ["POST", "/v2/experiments", { name: "x", dataset_id: datasetId, experiment_runs: Array.from({ length: 1001 }, () => ({ example_id: example!.id, output: "o" })) }, 400],
      ["GET", `/v2/datasets/${datasetId}/examples?limit=501`, undefined, 400],
      ["GET", "/v2/experiments?limit=101", undefined, 400],
      ["GET", `/v2/experiments?dataset_id=${datasetId}&space_id=${spaceId}`, undefined, 400],
      ["GET", "/v2/spaces?cursor=forged", undefined, 400],
      ["PUT", "/v2/experiments", {}, 400],
    ];
    for (const [method, path, body, status] of breaches) {
      const answer = await call(url, method, path, body);
      expect([method, path, answer.status]).toEqual([method, path, status]);
      expect(answer.type).toBe("application/problem+json");
      expect(answer.body).toMatchObject({ status, title: expect.any(String) });
    }
    expect(state.violations).toHaveLength(breaches.length);
    expect(state.experiments).toEqual([]);
  });

  test("401 without the bearer key, 404 for unknown ids, 409 for a taken name: answers, not violations", async () => {
    const server = await fake();
    expect((await call(server.url, "GET", "/v2/spaces", undefined, "wrong")).status).toBe(401);
    expect((await call(server.url, "GET", "/v2/experiments/RXhwZXJpbWVudDo5OTk=")).status).toBe(404);
    await call(server.url, "POST", "/v2/datasets", { name: "d", space_id: server.spaceId, examples: [{ q: 1 }] });
    expect((await call(server.url, "POST", "/v2/datasets", { name: "d", space_id: server.spaceId, examples: [{ q: 1 }] })).status).toBe(409);
    expect(server.state.violations).toEqual([]);
  });
});
