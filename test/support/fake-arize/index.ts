export { startFakeArize, type FakeArize, type FakeArizeOptions, type FaultKind, type FaultOptions } from "./server.js";
export { FakeArizeState, globalId, type ContractViolation, type RequestLogEntry } from "./state.js";
