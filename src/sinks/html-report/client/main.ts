/**
 * The report page. Reads the data the page embeds (`<script type="application/json">`) and shows
 * it: one experiment, tabs for several, or a baseline and a candidate compared. Every value from
 * an experiment is shown with text nodes (see `dom.ts`).
 */
import "./style.css";
import type { ReportData, ReportExperiment } from "../model.js";
import { h, replace } from "./dom.js";
import { date } from "./format.js";
import { compareView } from "./compare.js";
import { experimentHeader, overview, statusTone } from "./overview.js";
import { runsTable } from "./runs-table.js";

function readData(): ReportData {
  const element = document.getElementById("report-data");
  const data = JSON.parse(element?.textContent ?? "null") as ReportData | null;
  if (!data || data.schema !== 1) throw new Error("This report's data is missing or from another version of vitest-experiments.");
  return data;
}

function experimentView(experiment: ReportExperiment): HTMLElement {
  return h("div", { class: "view" }, experimentHeader(experiment), overview(experiment), runsTable(experiment));
}

interface Tab {
  id: string;
  label: string;
  tone: string;
  view: () => HTMLElement;
}

function tabsOf(data: ReportData): Tab[] {
  const [candidate, baseline] = data.experiments;
  const tabs: Tab[] = [];
  if (data.comparison && candidate && baseline) {
    const comparison = data.comparison;
    tabs.push({ id: "compare", label: "Comparison", tone: comparison.counts.regressed > 0 ? "fail" : "pass", view: () => compareView(comparison, candidate, baseline) });
  }
  data.experiments.forEach((experiment, i) => {
    const role = data.comparison ? (i === 0 ? "candidate · " : "baseline · ") : "";
    tabs.push({ id: `experiment-${i}`, label: `${role}${experiment.name}`, tone: statusTone(experiment.status), view: () => experimentView(experiment) });
  });
  return tabs;
}

function main(): void {
  const app = document.getElementById("app")!;
  const data = readData();
  const tabs = tabsOf(data);
  const content = h("main", { attrs: { id: "content", role: "tabpanel" } });
  let current = tabs[0]?.id;
  const nav = h("nav", { class: "tabs", attrs: { role: "tablist", "aria-label": "Experiments" } });

  function show(id: string): void {
    current = id;
    const tab = tabs.find((t) => t.id === id) ?? tabs[0];
    replace(
      nav,
      tabs.map((t) => {
        const button = h("button", { class: "tab", attrs: { type: "button", role: "tab", "aria-selected": t.id === current, "data-tab": t.id } }, h("span", { class: `dot ${t.tone}`, attrs: { "aria-hidden": "true" } }), t.label);
        button.addEventListener("click", () => show(t.id));
        return button;
      }),
    );
    replace(content, tab ? tab.view() : h("p", { class: "empty" }, "This report holds no experiments."));
  }

  replace(
    app,
    h("div", { class: "topbar" }, h("h1", null, "vitest-experiments"), h("span", { class: "muted" }, `report generated ${date(data.generatedAt)} · v${data.version}`)),
    tabs.length > 1 ? nav : null,
    content,
  );
  show(current ?? "");
}

try {
  main();
} catch (error) {
  const app = document.getElementById("app");
  if (app) replace(app, h("p", { class: "empty" }, `The report could not be shown: ${error instanceof Error ? error.message : String(error)}`));
  throw error;
}
