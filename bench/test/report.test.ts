import { describe, expect, it } from "vitest";
import { renderResults, renderTable, type Machine, type WorkloadReport } from "../lib/report.js";

const machine: Machine = { date: "2026-01-01T00:00:00.000Z", cores: 2, cpuModel: "cpu", memoryGiB: 4, node: "v20.0.0", vitest: "4.1.12", phoenixClient: "6.14.2", loadAverage: [0.5, 0.4, 0.3] };
const report: WorkloadReport = {
  id: "W9",
  title: "example",
  parameters: "n = 1",
  repetitions: 3,
  tables: [{ header: ["a", "b|c"], rows: [["1", "2"]] }],
  targets: [
    { what: "ratio", observed: "1.20×", bar: "≤ 1.10×", met: false },
    { what: "errors", observed: "0", bar: "0", met: true },
  ],
  notes: ["bounded by X"],
  figures: { ratio: 1.2 },
};

describe("renderResults", () => {
  const text = renderResults("quick", machine, [report], "npm run bench -- --quick");
  it("states the machine, the date and the mode", () => {
    expect(text).toContain("| 2 | cpu | 4.0 GiB | v20.0.0 | 4.1.12 | 6.14.2 | 0.50 / 0.40 / 0.30 |");
    expect(text).toContain("on 2026-01-01T00:00:00.000Z (quick mode)");
  });
  it("lists every target with missed ones marked", () => {
    expect(text).toContain("| W9 | ratio | 1.20× | ≤ 1.10× | **no** |");
    expect(text).toContain("| W9 | errors | 0 | 0 | yes |");
  });
  it("keeps machine-readable figures for comparing later runs", () => {
    const json = /```json\n([\s\S]*?)\n```/.exec(text)![1]!;
    expect(JSON.parse(json)).toEqual({ W9: { ratio: 1.2 } });
  });
});

describe("renderTable", () => {
  it("escapes pipes inside cells", () => {
    expect(renderTable({ header: ["x|y"], rows: [["1|2"]] })).toBe("| x\\|y |\n| --- |\n| 1\\|2 |");
  });
});
