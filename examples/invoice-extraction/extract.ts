/**
 * Extracts invoice fields from free text into JSON. Offline it uses patterns; a real system would
 * prompt a model for JSON (see ../shared/llm.ts) — the experiment and its gates stay the same.
 */
export interface Invoice {
  number: string | null;
  vendor: string | null;
  date: string | null;
  total: number | null;
  currency: string | null;
}

export function extractInvoice(text: string): Invoice {
  const number = /(?:invoice|rechnung)(?:\s+no\.)?\s+(\d+)/i.exec(text)?.[1] ?? null;
  const vendor = /(?:[Ff]rom:|by|von)\s+([A-Z][\w ]*?(?:GmbH|Ltd|SA|AG|Inc))\b/.exec(text)?.[1] ?? null;
  const date = /(\d{4}-\d{2}-\d{2})/.exec(text)?.[1] ?? null;
  const money = /\b(EUR|USD|GBP)\s+([\d.,]+)/.exec(text);
  return { number, vendor, date, total: money ? parseAmount(money[2]!) : null, currency: money?.[1] ?? null };
}

/** "1,250.00" and the German "420,00" both read as numbers. */
function parseAmount(text: string): number {
  const decimalComma = /,\d{2}$/.test(text);
  const normalized = decimalComma ? text.replace(/\./g, "").replace(",", ".") : text.replace(/,/g, "");
  return Number(normalized);
}
