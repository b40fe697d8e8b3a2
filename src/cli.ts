#!/usr/bin/env node
import { enforceSupportedVersions } from "./vitest/supported.js";

// Before anything else loads: an unsupported Node gets one message naming what is supported.
enforceSupportedVersions({ vitest: false });
const { runCli } = await import("./cli/main.js");
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
