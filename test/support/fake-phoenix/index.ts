export { startFakePhoenix, FAKE_PHOENIX_VERSION } from "./server.js";
export type { FakePhoenix, FakePhoenixOptions, FaultKind, FaultOptions } from "./server.js";
export { FakePhoenixState } from "./state.js";
export type { ContractViolation, RequestLogEntry } from "./state.js";
export { loadContract } from "./contract.js";
export { decodeTraceExport, type DecodedSpan, type DecodedResourceSpans } from "./otlp.js";
