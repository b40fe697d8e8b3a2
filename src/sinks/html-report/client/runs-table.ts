import type { ReportEvaluation, ReportEvaluator, ReportExperiment, ReportRun } from "../model.js";
import { h, replace, type Child } from "./dom.js";
import { ms, num, plural, preview } from "./format.js";
import { clamp, compareNullable, pager, searchBox, select, sortHeader, textBlock, type Sort } from "./table-kit.js";

type StatusFilter = "all" | "ok" | "error" | "miss" | "pass";

/** A run's verdict for one evaluator against the evaluator's bar (the gate's perRun or mean). */
function misses(evaluation: ReportEvaluation | undefined, evaluator: ReportEvaluator): boolean {
  if (!evaluation) return false;
  if (evaluation.error !== null) return true;
  if (evaluator.bar === null || evaluation.score === null) return false;
  return evaluator.direction === "minimize" ? evaluation.score > evaluator.bar + 1e-9 : evaluation.score < evaluator.bar - 1e-9;
}

function runMisses(run: ReportRun, evaluators: readonly ReportEvaluator[]): boolean {
  return run.status === "error" || evaluators.some((e) => misses(evalOf(run, e.name), e));
}

function evalOf(run: ReportRun, name: string): ReportEvaluation | undefined {
  return run.evaluations.find((e) => e.name === name);
}

function verdictText(e: ReportEvaluation): string {
  if (e.error !== null) return "error";
  return [e.score === null ? null : num(e.score), e.label].filter((x) => x !== null).join(" · ") || "no score";
}

function scoreCell(evaluation: ReportEvaluation | undefined, evaluator: ReportEvaluator, run: ReportRun): HTMLTableCellElement {
  if (run.status === "error") return h("td", { class: "score muted" }, "–");
  if (!evaluation) return h("td", { class: "score muted" }, "–");
  if (evaluation.error !== null) return h("td", { class: "score" }, h("span", { class: "badge fail" }, "error"), h("div", { class: "explanation" }, preview(evaluation.error, 120)));
  const tone = evaluator.bar === null || evaluation.score === null ? "" : misses(evaluation, evaluator) ? "miss" : "hit";
  return h(
    "td",
    { class: `score ${tone}` },
    evaluation.score !== null ? h("span", { class: "score-value" }, num(evaluation.score)) : evaluation.label === null ? h("span", { class: "muted" }, "–") : null,
    evaluation.label !== null ? h("span", { class: "chip" }, preview(evaluation.label, 40)) : null,
    evaluation.explanation !== null ? h("div", { class: "explanation" }, preview(evaluation.explanation, 140)) : null,
  );
}

interface Group {
  exampleId: string;
  runs: ReportRun[];
}

function stats(values: readonly number[]): { mean: number; min: number; max: number; sd: number } | null {
  if (values.length === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, min: Math.min(...values), max: Math.max(...values), sd };
}

function groupScores(group: Group, name: string): number[] {
  const out: number[] = [];
  for (const run of group.runs) {
    const score = run.status === "ok" ? evalOf(run, name)?.score : null;
    if (score !== null && score !== undefined) out.push(score);
  }
  return out;
}

function spreadOf(group: Group, evaluators: readonly ReportEvaluator[]): number {
  let spread = 0;
  for (const e of evaluators) {
    const s = stats(groupScores(group, e.name));
    if (s) spread = Math.max(spread, s.max - s.min);
  }
  return spread;
}

/** The per-run table: sorting, filtering, search, pagination, and repetitions grouped by example. */
export function runsTable(experiment: ReportExperiment): HTMLElement {
  const { evaluators, runs } = experiment;
  const repeated = experiment.repetitions > 1;
  const state = { query: "", status: "all" as StatusFilter, sort: { key: "example", dir: 1 } as Sort, page: 0, size: 50, grouped: repeated, expanded: new Set<string>() };
  const datasetOrder = new Map<ReportRun, number>(runs.map((r, i) => [r, i] as const));
  const haystacks = new Map<ReportRun, string>();
  const haystack = (run: ReportRun) => {
    let text = haystacks.get(run);
    if (text === undefined) {
      text = [run.exampleId, run.input, run.output, run.expected, run.error, ...run.evaluations.flatMap((e) => [e.label, e.explanation, e.error])].filter((t) => t !== null).join("\n").toLowerCase();
      haystacks.set(run, text);
    }
    return text;
  };

  const root = h("section", { class: "runs", attrs: { "aria-label": "Runs" } });
  const summary = h("span", { class: "muted", attrs: { "data-role": "match-count", "aria-live": "polite" } });
  const body = h("div", { class: "table-wrap" });
  const pagerSlot = h("div");

  const toolbar = h(
    "div",
    { class: "toolbar" },
    searchBox("Search ids, inputs, outputs, explanations", (value) => {
      state.query = value.trim().toLowerCase();
      state.page = 0;
      render();
    }),
    select<StatusFilter>(
      "Show",
      [
        { value: "all", text: "All runs" },
        { value: "miss", text: "Misses a bar or failed" },
        { value: "pass", text: "Meets every bar" },
        { value: "error", text: "Task failed" },
        { value: "ok", text: "Task succeeded" },
      ],
      state.status,
      (value) => {
        state.status = value;
        state.page = 0;
        render();
      },
    ),
    repeated ? groupToggle() : null,
    summary,
  );

  function groupToggle(): HTMLLabelElement {
    const box = h("input", { attrs: { type: "checkbox", checked: state.grouped, name: "group" } });
    box.addEventListener("change", () => {
      state.grouped = box.checked;
      state.page = 0;
      state.sort = { key: "example", dir: 1 };
      render();
    });
    return h("label", { class: "control checkbox" }, box, h("span", null, "Group repetitions"));
  }

  function filtered(): ReportRun[] {
    return runs.filter((run) => {
      if (state.status === "ok" && run.status !== "ok") return false;
      if (state.status === "error" && run.status !== "error") return false;
      if (state.status === "miss" && !runMisses(run, evaluators)) return false;
      if (state.status === "pass" && runMisses(run, evaluators)) return false;
      return state.query === "" || haystack(run).includes(state.query);
    });
  }

  function sortRuns(list: ReportRun[]): ReportRun[] {
    const { key, dir } = state.sort;
    const byOrder = (a: ReportRun, b: ReportRun) => (datasetOrder.get(a)! - datasetOrder.get(b)!) * dir;
    const compare: (a: ReportRun, b: ReportRun) => number =
      key === "example"
        ? byOrder
        : key === "rep"
          ? (a, b) => (a.repetition - b.repetition) * dir || byOrder(a, b) * dir
          : key === "attempts"
            ? (a, b) => (a.attempts - b.attempts) * dir
            : key === "latency"
              ? (a, b) => (a.latencyMs - b.latencyMs) * dir
              : key === "status"
                ? (a, b) => (Number(runMisses(a, evaluators)) - Number(runMisses(b, evaluators))) * dir
                : (a, b) => compareNullable(a.status === "ok" ? evalOf(a, key.slice(6))?.score : null, b.status === "ok" ? evalOf(b, key.slice(6))?.score : null, dir);
    return [...list].sort((a, b) => compare(a, b) || (datasetOrder.get(a)! - datasetOrder.get(b)!));
  }

  function groupsOf(list: readonly ReportRun[]): Group[] {
    const groups = new Map<string, Group>();
    for (const run of list) {
      let group = groups.get(run.exampleId);
      if (!group) groups.set(run.exampleId, (group = { exampleId: run.exampleId, runs: [] }));
      group.runs.push(run);
    }
    const all = [...groups.values()];
    const { key, dir } = state.sort;
    if (key === "example") return dir === 1 ? all : all.reverse();
    const value = (g: Group): number | null =>
      key === "spread" ? spreadOf(g, evaluators) : key === "latency" ? g.runs.reduce((a, r) => a + r.latencyMs, 0) / g.runs.length : key === "attempts" ? g.runs.reduce((a, r) => a + r.attempts, 0) : key === "status" ? g.runs.filter((r) => runMisses(r, evaluators)).length : (stats(groupScores(g, key.slice(6)))?.mean ?? null);
    return all.map((g, i) => ({ g, i, v: value(g) })).sort((a, b) => compareNullable(a.v, b.v, dir) || a.i - b.i).map((x) => x.g);
  }

  const onSort = (sort: Sort) => {
    state.sort = sort;
    state.page = 0;
    render();
  };

  function header(): HTMLTableSectionElement {
    const s = state.sort;
    return h(
      "thead",
      null,
      h(
        "tr",
        null,
        sortHeader("Example", "example", s, onSort, "col-example"),
        state.grouped ? sortHeader("Spread", "spread", s, onSort) : sortHeader("Rep", "rep", s, onSort, "col-num"),
        h("th", { class: "col-text", attrs: { scope: "col" } }, "Input"),
        h("th", { class: "col-text", attrs: { scope: "col" } }, "Output"),
        h("th", { class: "col-text", attrs: { scope: "col" } }, "Expected"),
        evaluators.map((e) => sortHeader(e.name, `score:${e.name}`, s, onSort, "col-score")),
        sortHeader("Attempts", "attempts", s, onSort, "col-num"),
        sortHeader("Latency", "latency", s, onSort, "col-num"),
        sortHeader("Status", "status", s, onSort),
      ),
    );
  }

  const columns = 8 + evaluators.length;
  const notRecorded = experiment.hasExamples ? "" : "not recorded";

  function runRow(run: ReportRun, nested = false): HTMLTableRowElement[] {
    const key = `${run.exampleId}\u0000${run.repetition}`;
    const open = state.expanded.has(key);
    const toggle = h("button", { class: "expand", attrs: { type: "button", "aria-expanded": open, "aria-label": `Details of ${run.exampleId} repetition ${run.repetition}` } }, open ? "▾" : "▸");
    toggle.addEventListener("click", () => {
      if (state.expanded.has(key)) state.expanded.delete(key);
      else state.expanded.add(key);
      render();
    });
    const failed = runMisses(run, evaluators);
    const row = h(
      "tr",
      { class: `run${nested ? " nested" : ""}${run.status === "error" ? " errored" : ""}`, attrs: { "data-example": run.exampleId, "data-repetition": run.repetition } },
      h("td", { class: "col-example" }, toggle, h("span", { class: "example-id" }, run.exampleId)),
      h("td", { class: "col-num" }, num(run.repetition)),
      h("td", { class: "col-text" }, run.input === null ? h("span", { class: "muted" }, notRecorded) : clamp(run.input)),
      h("td", { class: "col-text output" }, run.status === "error" ? h("span", { class: "muted" }, "–") : clamp(run.output)),
      h("td", { class: "col-text" }, run.expected === null ? h("span", { class: "muted" }, notRecorded) : clamp(run.expected)),
      evaluators.map((e) => scoreCell(evalOf(run, e.name), e, run)),
      h("td", { class: "col-num" }, num(run.attempts)),
      h("td", { class: "col-num" }, ms(run.latencyMs)),
      h("td", { class: "col-status" }, run.status === "error" ? h("span", { class: "badge fail", attrs: { title: run.error ?? "" } }, "error") : failed ? h("span", { class: "badge warn" }, "miss") : h("span", { class: "badge pass" }, "ok"), run.error ? h("div", { class: "explanation" }, preview(run.error, 100)) : null),
    );
    if (!open) return [row];
    return [row, h("tr", { class: "details" }, h("td", { attrs: { colspan: columns } }, details(run)))];
  }

  function details(run: ReportRun): HTMLElement {
    return h(
      "div",
      { class: "details-grid" },
      textBlock("Input", run.input),
      textBlock("Expected", run.expected),
      textBlock("Output", run.output),
      textBlock("Error", run.error, "bad"),
      run.evaluations.filter((e) => e.error !== null || e.explanation !== null).map((e) => textBlock(`${e.name}: ${verdictText(e)}`, e.error ?? e.explanation, e.error !== null ? "bad" : "")),
      h(
        "p",
        { class: "muted small details-facts" },
        [...run.evaluations.filter((e) => e.error === null && e.explanation === null).map((e) => `${e.name}: ${verdictText(e)}`), plural(run.attempts, "attempt"), ms(run.latencyMs)].join(" · "),
      ),
    );
  }

  function groupRows(group: Group): HTMLTableRowElement[] {
    const key = `group\u0000${group.exampleId}`;
    const open = state.expanded.has(key);
    const toggle = h("button", { class: "expand", attrs: { type: "button", "aria-expanded": open, "aria-label": `Repetitions of ${group.exampleId}` } }, open ? "▾" : "▸");
    toggle.addEventListener("click", () => {
      if (state.expanded.has(key)) state.expanded.delete(key);
      else state.expanded.add(key);
      render();
    });
    const first = group.runs[0]!;
    const outputs = new Set(group.runs.map((r) => (r.status === "ok" ? r.output : `error: ${r.error}`)));
    const errors = group.runs.filter((r) => r.status === "error").length;
    const missed = group.runs.filter((r) => runMisses(r, evaluators)).length;
    const spread = spreadOf(group, evaluators);
    const row = h(
      "tr",
      { class: "group", attrs: { "data-example": group.exampleId } },
      h("td", { class: "col-example" }, toggle, h("span", { class: "example-id" }, group.exampleId), h("span", { class: "muted small" }, ` × ${group.runs.length}`)),
      h("td", { class: `col-num${spread > 0 ? " spread" : ""}` }, num(spread)),
      h("td", { class: "col-text" }, first.input === null ? h("span", { class: "muted" }, notRecorded) : clamp(first.input)),
      h("td", { class: "col-text output" }, outputs.size > 1 ? h("span", { class: "muted" }, `${outputs.size} different outputs`) : clamp(first.output)),
      h("td", { class: "col-text" }, first.expected === null ? h("span", { class: "muted" }, notRecorded) : clamp(first.expected)),
      evaluators.map((e) => {
        const s = stats(groupScores(group, e.name));
        if (!s) {
          const labels = new Map<string, number>();
          for (const run of group.runs) {
            const label = evalOf(run, e.name)?.label;
            if (label !== null && label !== undefined) labels.set(label, (labels.get(label) ?? 0) + 1);
          }
          if (labels.size === 0) return h("td", { class: "score muted" }, "–");
          return h("td", { class: "score" }, [...labels].sort((a, b) => b[1] - a[1]).map(([label, count]) => h("span", { class: "chip" }, `${preview(label, 30)} × ${count}`)));
        }
        return h("td", { class: "score" }, h("span", { class: "score-value" }, num(s.mean)), h("div", { class: "explanation" }, s.min === s.max ? "all equal" : `${num(s.min)}–${num(s.max)} · σ ${num(s.sd)}`));
      }),
      h("td", { class: "col-num" }, num(group.runs.reduce((a, r) => a + r.attempts, 0))),
      h("td", { class: "col-num" }, ms(group.runs.reduce((a, r) => a + r.latencyMs, 0) / group.runs.length)),
      h("td", { class: "col-status" }, errors ? h("span", { class: "badge fail" }, `${errors} error${errors === 1 ? "" : "s"}`) : missed ? h("span", { class: "badge warn" }, `${missed} miss${missed === 1 ? "" : "es"}`) : h("span", { class: "badge pass" }, "ok")),
    );
    if (!open) return [row];
    return [row, ...group.runs.flatMap((run) => runRow(run, true))];
  }

  function render(): void {
    const list = sortRuns(filtered());
    let rows: Child[];
    let total: number;
    if (state.grouped) {
      const groups = groupsOf(list);
      total = groups.length;
      state.page = Math.min(state.page, Math.max(0, Math.ceil(total / state.size) - 1));
      rows = groups.slice(state.page * state.size, (state.page + 1) * state.size).flatMap(groupRows);
      summary.textContent = `${plural(list.length, "run")} of ${num(runs.length)} · ${plural(total, "example")}`;
    } else {
      total = list.length;
      state.page = Math.min(state.page, Math.max(0, Math.ceil(total / state.size) - 1));
      rows = list.slice(state.page * state.size, (state.page + 1) * state.size).flatMap((run) => runRow(run));
      summary.textContent = `${plural(list.length, "run")} of ${num(runs.length)}`;
    }
    replace(body, h("table", { class: "data-table" }, header(), h("tbody", null, rows)));
    replace(
      pagerSlot,
      pager(total, state.page, state.size, (page) => {
        state.page = page;
        render();
        // A new page starts at its first row, wherever the pager that asked for it was.
        if (root.getBoundingClientRect().top < 0) root.scrollIntoView();
      }),
    );
  }

  render();
  replace(root, h("h3", null, repeated ? "Runs (repetitions grouped by example)" : "Runs"), toolbar, body, pagerSlot);
  return root;
}
