import { expect, test } from "vitest";
import { configuredSecrets, redactSecrets } from "../../../src/record/redact.js";

test("the configured secrets are the API key and every client header value", () => {
  expect(configuredSecrets({ PHOENIX_API_KEY: " key-123456 ", PHOENIX_CLIENT_HEADERS: '{"x-a":"value-a1","x-b":"value-b2"}' })).toEqual(["key-123456", "value-a1", "value-b2"]);
  expect(configuredSecrets({ PHOENIX_CLIENT_HEADERS: "{not json" })).toEqual([]);
});

test("every string of a record is redacted, keys included; without secrets the record is returned as is", () => {
  const record = { error: { message: "bad key key-123456" }, output: { "key-123456": ["x value-a1 y", 1, null] }, n: 2 };
  expect(redactSecrets(record, ["key-123456", "value-a1"])).toEqual({ error: { message: "bad key [REDACTED]" }, output: { "[REDACTED]": ["x [REDACTED] y", 1, null] }, n: 2 });
  expect(redactSecrets(record, [])).toBe(record);
});
