/** The Phoenix release the fake copies (checked against the real server by test/e2e/real-phoenix/fake-parity.test.ts). */
export const FAKE_PHOENIX_VERSION = "20.26.1";
