/**
 * A small retrieval-augmented QA pipeline over the bundled corpus: retrieve the best-matching
 * document, then answer from it. The "generation" step is extractive and deterministic so the
 * example runs offline; with OPENAI_API_KEY set it asks a real model (see ../shared/llm.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { complete } from "../shared/llm.js";

interface Document {
  id: string;
  text: string;
  sentences: string[];
}

const corpusDir = join(import.meta.dirname, "corpus");
const corpus: Document[] = readdirSync(corpusDir)
  .filter((f) => f.endsWith(".md"))
  .map((file) => {
    const text = readFileSync(join(corpusDir, file), "utf8").replace(/^#.*$/m, "").trim();
    return { id: file.replace(/\.md$/, ""), text, sentences: text.split(/(?<=\.)\s+/) };
  });

const STOP = new Set(["a", "an", "the", "is", "do", "does", "i", "my", "how", "what", "when", "which", "can", "to", "of", "on", "for", "you", "much", "long", "until"]);
const tokens = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g)?.filter((t) => !STOP.has(t)) ?? [];

function overlap(question: string, text: string): number {
  const q = new Set(tokens(question).map(stem));
  return tokens(text).map(stem).filter((t) => q.has(t)).length;
}

/** Crude suffix stripping, enough for "refunded" to meet "refund". */
function stem(token: string): string {
  return token.replace(/(ing|ed|s)$/, "");
}

export function documentText(id: string): string {
  return corpus.find((doc) => doc.id === id)?.text ?? "";
}

export function retrieve(question: string): Document {
  return corpus.map((doc) => ({ doc, score: overlap(question, doc.text) })).sort((a, b) => b.score - a.score)[0]!.doc;
}

export async function answer(question: string, { signal }: { signal: AbortSignal }): Promise<{ answer: string; source: string }> {
  const doc = retrieve(question);
  const best = doc.sentences.map((s) => ({ s, score: overlap(question, s) })).sort((a, b) => b.score - a.score)[0]!.s;
  const text = await complete(`Answer from the context only, in one short sentence.\nContext: ${doc.text}\nQuestion: ${question}`, {
    signal,
    fallback: () => best,
  });
  return { answer: text, source: doc.id };
}
