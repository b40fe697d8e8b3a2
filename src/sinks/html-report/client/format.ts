/** `0.8`, `0.833`, `12.5`, `1,234`: at most three decimals, no trailing zeros. */
export function num(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return Number(value.toFixed(3)).toLocaleString("en-US", { maximumFractionDigits: 3 });
}

export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : `${Number((value * 100).toFixed(1))}%`;
}

export function delta(value: number | null): string {
  if (value === null) return "–";
  const text = num(Math.abs(value));
  if (text === "0") return "±0";
  return `${value > 0 ? "+" : "−"}${text}`;
}

export function ms(value: number): string {
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${Number((value / 1000).toFixed(1))} s`;
  return `${Math.floor(value / 60_000)} min ${Math.round((value % 60_000) / 1000)} s`;
}

export function duration(start: string, end: string | null): string {
  if (!end) return "–";
  const span = Date.parse(end) - Date.parse(start);
  return Number.isFinite(span) ? ms(span) : "–";
}

export function date(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** The first `max` characters on one line, for table cells; the full text is in the details. */
export function preview(text: string | null, max = 160): string {
  if (text === null) return "";
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

export function plural(n: number, word: string): string {
  return `${num(n)} ${word}${n === 1 ? "" : "s"}`;
}
