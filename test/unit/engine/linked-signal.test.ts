import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { linkedSignal } from "../../../src/engine/sleep.js";

describe("linkedSignal", () => {
  it("aborts when either parent aborts, with that parent's reason", () => {
    for (const which of [0, 1] as const) {
      const parents = [new AbortController(), new AbortController()];
      const linked = linkedSignal(parents[0]!.signal, parents[1]!.signal);
      expect(linked.signal.aborted).toBe(false);
      parents[which]!.abort(new Error(`parent ${which}`));
      expect(linked.signal.aborted).toBe(true);
      expect((linked.signal.reason as Error).message).toBe(`parent ${which}`);
    }
  });

  it("is already aborted when a parent is, and dispose leaves no listener on the parents", () => {
    const a = new AbortController();
    const b = new AbortController();
    a.abort("gone");
    expect(linkedSignal(a.signal, b.signal).signal.aborted).toBe(true);

    const c = new AbortController();
    const linked = linkedSignal(b.signal, c.signal);
    expect(getEventListeners(b.signal, "abort")).toHaveLength(1);
    linked.dispose();
    expect(getEventListeners(b.signal, "abort")).toHaveLength(0);
    expect(getEventListeners(c.signal, "abort")).toHaveLength(0);
    b.abort();
    expect(linked.signal.aborted).toBe(false);
  });
});
