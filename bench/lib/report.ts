/** What each workload hands back, and how RESULTS.md is written from it. */

export type Mode = "quick" | "full";

export interface Target {
  /** What is compared, e.g. "tests phase ÷ ideal". */
  what: string;
  observed: string;
  bar: string;
  met: boolean;
}

export interface Table {
  header: string[];
  rows: string[][];
}

export interface WorkloadReport {
  id: string;
  title: string;
  /** The parameters as run (quick mode scales some down; say so here). */
  parameters: string;
  repetitions: number;
  tables: Table[];
  targets: Target[];
  /** What bounds a missed target, how figures were taken, caveats. */
  notes: string[];
  /** Machine-readable figures, for comparing a later run against this one. */
  figures: Record<string, number>;
}

export interface Machine {
  date: string;
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  vitest: string;
  phoenixClient: string;
  loadAverage: number[];
}

export function renderTable(table: Table): string {
  const escape = (cell: string) => cell.replace(/\|/g, "\\|");
  return [
    `| ${table.header.map(escape).join(" | ")} |`,
    `| ${table.header.map(() => "---").join(" | ")} |`,
    ...table.rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
  ].join("\n");
}

export function renderResults(mode: Mode, machine: Machine, reports: readonly WorkloadReport[], command: string): string {
  const allTargets = reports.flatMap((r) => r.targets.map((t) => ({ ...t, id: r.id })));
  const lines: string[] = [
    "# Benchmark results",
    "",
    `Written by \`${command}\` on ${machine.date} (${mode} mode). Every ratio compares figures measured in this same run; figures are medians of the repetitions shown per workload. Regenerate with \`npm run bench\` (or \`npm run bench -- --quick\`) and diff this file.`,
    "",
    "## Machine",
    "",
    renderTable({
      header: ["cores", "CPU", "memory", "Node", "Vitest", "@arizeai/phoenix-client", "load average at start (1/5/15 min)"],
      rows: [[String(machine.cores), machine.cpuModel, `${machine.memoryGiB.toFixed(1)} GiB`, machine.node, machine.vitest, machine.phoenixClient, machine.loadAverage.map((l) => l.toFixed(2)).join(" / ")]],
    }),
    "",
    "## Targets",
    "",
    renderTable({
      header: ["workload", "target", "observed", "bar", "met"],
      rows: allTargets.map((t) => [t.id, t.what, t.observed, t.bar, t.met ? "yes" : "**no**"]),
    }),
    "",
  ];
  for (const report of reports) {
    lines.push(`## ${report.id} ${report.title}`, "", `Parameters: ${report.parameters}. Repetitions: ${report.repetitions}.`, "");
    for (const table of report.tables) lines.push(renderTable(table), "");
    if (report.notes.length > 0) {
      for (const note of report.notes) lines.push(`- ${note}`);
      lines.push("");
    }
  }
  lines.push(
    "## Raw figures",
    "",
    "For comparing a later run (keys are stable; times in ms, memory in KiB).",
    "",
    "```json",
    JSON.stringify(Object.fromEntries(reports.map((r) => [r.id, r.figures])), null, 2),
    "```",
    "",
  );
  return lines.join("\n");
}
