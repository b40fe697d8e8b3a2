import { inject } from "vitest";
import { PROVIDE_KEY, type ProvidedSettings } from "./provided.js";

let settings: ProvidedSettings | undefined | null = null;

/** What `experimentsProject()` provided to this worker; undefined outside that project. */
export function workerSettings(): ProvidedSettings | undefined {
  if (settings !== null) return settings;
  try {
    settings = inject(PROVIDE_KEY as never) as ProvidedSettings | undefined;
  } catch {
    settings = undefined;
  }
  return settings;
}
