/** Pieces the runs table and the compare table share: toolbar controls, sortable headers, a pager. */
import { h } from "./dom.js";
import { num, preview } from "./format.js";

export type SortDir = 1 | -1;
export interface Sort {
  key: string;
  dir: SortDir;
}

export function searchBox(label: string, onInput: (value: string) => void): HTMLInputElement {
  let timer: number | undefined;
  const input = h("input", { class: "search", attrs: { type: "search", placeholder: label, "aria-label": label, spellcheck: "false" } });
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => onInput(input.value), 120);
  });
  return input;
}

export function select<T extends string>(label: string, options: readonly { value: T; text: string }[], value: T, onChange: (value: T) => void): HTMLLabelElement {
  const element = h("select", { attrs: { "aria-label": label } }, options.map((o) => h("option", { attrs: { value: o.value, selected: o.value === value } }, o.text)));
  element.addEventListener("change", () => onChange(element.value as T));
  return h("label", { class: "control" }, h("span", null, label), element);
}

/** A column header that sorts by `key` when clicked; `aria-sort` tells assistive technology. */
export function sortHeader(text: string, key: string, sort: Sort, onSort: (sort: Sort) => void, className = ""): HTMLTableCellElement {
  const active = sort.key === key;
  const button = h("button", { class: "sort", attrs: { type: "button", "data-sort": key } }, text, h("span", { class: "sort-icon", attrs: { "aria-hidden": "true" } }, active ? (sort.dir === 1 ? "▲" : "▼") : "↕"));
  button.addEventListener("click", () => onSort({ key, dir: active ? ((-sort.dir) as SortDir) : 1 }));
  return h("th", { class: className, attrs: { scope: "col", "aria-sort": active ? (sort.dir === 1 ? "ascending" : "descending") : "none" } }, button);
}

export function pager(total: number, page: number, size: number, onPage: (page: number) => void): HTMLElement {
  const pages = Math.max(1, Math.ceil(total / size));
  const from = total === 0 ? 0 : page * size + 1;
  const to = Math.min(total, (page + 1) * size);
  const button = (text: string, target: number, disabled: boolean, label: string) => {
    const b = h("button", { class: "page-button", attrs: { type: "button", disabled, "aria-label": label } }, text);
    b.addEventListener("click", () => onPage(target));
    return b;
  };
  return h(
    "nav",
    { class: "pager", attrs: { "aria-label": "Pages" } },
    h("span", { class: "muted" }, total === 0 ? "Nothing matches." : `${num(from)}–${num(to)} of ${num(total)}`),
    h(
      "span",
      { class: "pager-buttons" },
      button("« First", 0, page === 0, "First page"),
      button("‹ Prev", page - 1, page === 0, "Previous page"),
      h("span", { class: "page-number" }, `page ${num(page + 1)} of ${num(pages)}`),
      button("Next ›", page + 1, page >= pages - 1, "Next page"),
      button("Last »", pages - 1, page >= pages - 1, "Last page"),
    ),
  );
}

/** Compares numbers with nulls last whichever the direction. */
export function compareNullable(a: number | null | undefined, b: number | null | undefined, dir: SortDir): number {
  const an = a === null || a === undefined || Number.isNaN(a);
  const bn = b === null || b === undefined || Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return (a - b) * dir;
}

/** A block of full text with a heading, for the details under a row. */
export function textBlock(title: string, text: string | null, tone = ""): HTMLElement | null {
  if (text === null || text === "") return null;
  return h("div", { class: `text-block ${tone}` }, h("div", { class: "text-block-title" }, title), h("pre", null, text));
}

/** A table cell's text: one paragraph, at most three lines; the full text is in the row's details. */
export function clamp(text: string | null, max = 240): HTMLElement {
  return h("div", { class: "clamp" }, preview(text, max));
}
