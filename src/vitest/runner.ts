import { TestRunner } from "vitest";
import type { SerializedConfig } from "vitest";
import { setProjectRoot } from "../datasets/project-root.js";
import { cancelActiveExperiments, runtime } from "./runtime.js";

type RunnerFile = Parameters<TestRunner["onCollectStart"]>[0];
type CancelReason = Parameters<TestRunner["cancel"]>[0];

/**
 * Vitest's own runner plus what experiments need from it: the project root (dataset paths
 * resolve from it), the eval file being collected (for error messages and committed
 * baselines), whether `-u` asked to update baselines, and cancellation of in-flight task calls
 * when the run is interrupted, so Ctrl-C stops LLM calls instead of waiting for them.
 */
export default class ExperimentsRunner extends TestRunner {
  constructor(config: SerializedConfig) {
    super(config);
    setProjectRoot(config.root);
    runtime().updateBaselines = config.snapshotOptions?.updateSnapshot === "all";
  }

  override onCollectStart(file: RunnerFile): void {
    runtime().currentFile = file.filepath;
    super.onCollectStart(file);
  }

  override cancel(reason: CancelReason): void {
    cancelActiveExperiments(`run cancelled (${reason})`);
    super.cancel(reason);
  }
}
