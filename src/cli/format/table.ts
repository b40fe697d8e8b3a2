import { oneLine, sanitizeText } from "../../sinks/text-safety.js";

/** One table cell: no escape sequences, no line breaks, at most `max` characters. */
export function cell(text: string, max = 60): string {
  return oneLine(sanitizeText(text, max * 2, "…")).slice(0, max);
}

/** A plain-text table with a header row; columns padded to their widest cell, numbers aligned right. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+±]?[\d.]*$|^n\/a$|^$/.test(r[i] ?? "")));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n";
}
