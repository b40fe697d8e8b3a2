/**
 * A support-ticket intent classifier. The offline version is a keyword model standing in for an
 * LLM classification prompt; swap `classify` for a `complete()` call (../shared/llm.ts) to test a
 * real prompt against the same dataset and gates.
 */
export type Intent = "billing" | "delivery" | "account" | "warranty";

const KEYWORDS: Record<Intent, string[]> = {
  billing: ["charged", "refund", "invoice", "vat", "card", "payment", "paypal", "declined"],
  delivery: ["package", "parcel", "arrive", "courier", "tracking", "delivered", "order"],
  account: ["account", "password", "email address", "login", "data"],
  warranty: ["stopped working", "broke", "leaks", "defect", "broken"],
};

export function classify(text: string): { intent: Intent; confidence: number } {
  const lower = text.toLowerCase();
  const scores = (Object.keys(KEYWORDS) as Intent[]).map((intent) => ({
    intent,
    hits: KEYWORDS[intent].filter((k) => lower.includes(k)).length,
  }));
  scores.sort((a, b) => b.hits - a.hits);
  const total = scores.reduce((sum, s) => sum + s.hits, 0);
  return { intent: scores[0]!.intent, confidence: total === 0 ? 0 : scores[0]!.hits / total };
}
