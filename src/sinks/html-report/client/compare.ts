import type { ChangeKind, ReportComparison, ReportComparisonRow, ReportExperiment } from "../model.js";
import { h, replace } from "./dom.js";
import { delta, num } from "./format.js";
import { badge, statusTone } from "./overview.js";
import { clamp, pager, searchBox, textBlock } from "./table-kit.js";

const CHANGE_TEXT: Record<ChangeKind, string> = { regressed: "regressed", improved: "improved", changed: "changed", unchanged: "unchanged", added: "new", removed: "not run" };
const CHANGE_TONE: Record<ChangeKind, "fail" | "pass" | "info" | "neutral"> = { regressed: "fail", improved: "pass", changed: "info", unchanged: "neutral", added: "info", removed: "neutral" };
const FILTERS: readonly (ChangeKind | "all")[] = ["all", "regressed", "improved", "changed", "added", "removed", "unchanged"];

/** A baseline and a candidate: per-evaluator deltas, then each run key, regressions first. */
export function compareView(comparison: ReportComparison, candidate: ReportExperiment, baseline: ReportExperiment): HTMLElement {
  return h(
    "section",
    { class: "compare", attrs: { "aria-label": "Comparison" } },
    h(
      "header",
      { class: "experiment-header" },
      h("div", { class: "title-row" }, h("h2", null, `${candidate.name}`), badge(candidate.status, statusTone(candidate.status)), h("span", { class: "muted" }, "compared with"), h("h2", { class: "secondary" }, baseline.name), badge(baseline.status, statusTone(baseline.status))),
      h("p", { class: "facts" }, `candidate ${candidate.id} · baseline ${baseline.id}`),
    ),
    h("h3", null, "Evaluators"),
    h(
      "div",
      { class: "cards" },
      comparison.evaluators.map((e) => {
        const tone = e.delta === null || e.delta === 0 ? "" : e.worse ? "bad" : "good";
        return h(
          "div",
          { class: `card delta-card ${tone}`, attrs: { "data-evaluator": e.evaluator } },
          h("div", { class: "card-label" }, e.evaluator),
          h("div", { class: "card-value" }, delta(e.delta)),
          h("div", { class: "card-detail" }, `${num(e.baseline)} → ${num(e.current)}${e.direction === "minimize" ? " · lower is better" : ""}`),
        );
      }),
    ),
    h("h3", null, "Runs"),
    rowsTable(comparison),
  );
}

function rowsTable(comparison: ReportComparison): HTMLElement {
  const state = { filter: "all" as ChangeKind | "all", query: "", page: 0, size: 50, expanded: new Set<string>() };
  const root = h("div");
  const chips = h("div", { class: "chips", attrs: { role: "group", "aria-label": "Show runs that" } });
  const body = h("div", { class: "table-wrap" });
  const pagerSlot = h("div");
  const evaluators = comparison.evaluators.map((e) => e.evaluator);
  const columns = 4 + evaluators.length;

  function renderChips(): void {
    replace(
      chips,
      FILTERS.map((f) => {
        const count = f === "all" ? comparison.rows.length : comparison.counts[f];
        if (f !== "all" && count === 0) return null;
        const button = h("button", { class: `chip-button ${f === "all" ? "" : CHANGE_TONE[f]}`, attrs: { type: "button", "aria-pressed": state.filter === f, "data-filter": f } }, `${f === "all" ? "all" : CHANGE_TEXT[f]} `, h("strong", null, num(count)));
        button.addEventListener("click", () => {
          state.filter = f;
          state.page = 0;
          render();
        });
        return button;
      }),
    );
  }

  const matches = (row: ReportComparisonRow) =>
    (state.filter === "all" || row.change === state.filter) &&
    (state.query === "" || [row.key, row.input, row.baselineOutput, row.candidateOutput].some((t) => t !== null && t.toLowerCase().includes(state.query)));

  function rowOf(row: ReportComparisonRow): HTMLTableRowElement[] {
    const open = state.expanded.has(row.key);
    const toggle = h("button", { class: "expand", attrs: { type: "button", "aria-expanded": open, "aria-label": `Outputs of ${row.key}` } }, open ? "▾" : "▸");
    toggle.addEventListener("click", () => {
      if (open) state.expanded.delete(row.key);
      else state.expanded.add(row.key);
      render();
    });
    const tr = h(
      "tr",
      { class: `compare-row ${row.change}`, attrs: { "data-key": row.key, "data-change": row.change } },
      h("td", { class: "col-example" }, toggle, h("span", { class: "example-id" }, row.key)),
      h("td", null, badge(CHANGE_TEXT[row.change], CHANGE_TONE[row.change])),
      row.scores.map((s) => {
        const moved = row.movedBy.includes(s.evaluator);
        const same = s.before === s.after;
        return h("td", { class: `score${moved ? (row.change === "regressed" ? " miss" : " hit") : ""}` }, same ? h("span", { class: "score-value" }, num(s.after)) : [h("span", { class: "muted" }, num(s.before)), " → ", h("span", { class: "score-value" }, num(s.after))]);
      }),
      h("td", { class: "col-text output" }, row.baselineOutput === null ? h("span", { class: "muted" }, "not run") : clamp(row.baselineOutput)),
      h("td", { class: "col-text output" }, row.candidateOutput === null ? h("span", { class: "muted" }, "not run") : clamp(row.candidateOutput)),
    );
    if (!open) return [tr];
    return [tr, h("tr", { class: "details" }, h("td", { attrs: { colspan: columns } }, h("div", { class: "details-grid" }, textBlock("Input", row.input), textBlock("Baseline output", row.baselineOutput), textBlock("Candidate output", row.candidateOutput))))];
  }

  function render(): void {
    renderChips();
    const list = comparison.rows.filter(matches);
    const pages = Math.max(1, Math.ceil(list.length / state.size));
    state.page = Math.min(state.page, pages - 1);
    replace(
      body,
      h(
        "table",
        { class: "data-table" },
        h("thead", null, h("tr", null, h("th", { attrs: { scope: "col" } }, "Run"), h("th", { attrs: { scope: "col" } }, "Change"), evaluators.map((e) => h("th", { class: "col-score", attrs: { scope: "col" } }, e)), h("th", { class: "col-text", attrs: { scope: "col" } }, "Baseline output"), h("th", { class: "col-text", attrs: { scope: "col" } }, "Candidate output"))),
        h("tbody", null, list.slice(state.page * state.size, (state.page + 1) * state.size).flatMap(rowOf)),
      ),
    );
    replace(
      pagerSlot,
      pager(list.length, state.page, state.size, (page) => {
        state.page = page;
        render();
        if (root.getBoundingClientRect().top < 0) root.scrollIntoView();
      }),
    );
  }

  render();
  replace(
    root,
    h(
      "div",
      { class: "toolbar" },
      searchBox("Search run keys, inputs, outputs", (value) => {
        state.query = value.trim().toLowerCase();
        state.page = 0;
        render();
      }),
      chips,
    ),
    body,
    pagerSlot,
  );
  return root;
}
