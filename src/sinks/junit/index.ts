export { createJUnitSink, type JUnitSinkOptions } from "./sink.js";
export { resolveJUnitPath, DEFAULT_JUNIT_PATH, type JUnitPathInput } from "./path.js";
