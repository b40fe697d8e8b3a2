import type { Dispatcher } from "undici";
import type { Direction } from "../../record/types.js";
import type { EvaluatorArgs } from "../types.js";
import { EvaluatorConfigError, type LibraryEvaluator, type LibraryResult } from "../library/define.js";
import { createChatCompletion, type ChatMessage } from "../openai/chat-completions.js";
import type { EndpointOptions } from "../openai/config.js";
import { canonical, parseReply } from "./parse-reply.js";
import { compileTemplate, type TemplateVariables } from "./template.js";

export interface LlmJudgeOptions extends EndpointOptions {
  /** The evaluator's name: what gates, reports and Phoenix call it. */
  name: string;
  /** Model id as the endpoint knows it (`gpt-4o-mini`, `llama3.1:8b`, an Azure deployment…). */
  model: string;
  /** The prompt, with `{input}`, `{output}`, `{expected}`, `{reference}`, `{metadata}` or paths such as `{metadata.context}`. */
  template: string;
  /** Extra placeholders, computed per call: `{ context: ({ metadata }) => metadata.documents }` fills `{context}`. */
  variables?: TemplateVariables;
  /** Allowed labels and the score each one records: `{ correct: 1, incorrect: 0 }`. */
  choices: Record<string, number>;
  /** Ask the judge to explain its label, and record the explanation. Default false. */
  explain?: boolean;
  /** Default 0: a judge should be as repeatable as the model allows. `null` sends none (reasoning models refuse one). */
  temperature?: number | null;
  /** Optional system message sent before the prompt. */
  system?: string;
  /** Extra chat-completions fields (`seed`, `max_tokens`, `response_format`…), sent as given. */
  body?: Record<string, unknown>;
  /** Default "maximize": choose the scores so that higher is better, or say "minimize". */
  optimizationDirection?: Direction;
  /** undici dispatcher for the judge's requests. */
  dispatcher?: Dispatcher;
  /** Use the local request cache (docs/cache.md). Default true; the cache itself is off in CI. */
  cache?: boolean;
  /** Let repetitions of an example share one cached verdict. Default false. */
  shareCacheAcrossRepetitions?: boolean;
}

function checkChoices(name: string, choices: unknown): Record<string, number> {
  if (!choices || typeof choices !== "object" || Array.isArray(choices) || Object.keys(choices).length < 2) {
    throw new EvaluatorConfigError(name, `"choices" must map at least two labels to scores, e.g. { correct: 1, incorrect: 0 }; got ${JSON.stringify(choices)}`);
  }
  const entries = Object.entries(choices as Record<string, unknown>);
  for (const [label, score] of entries) {
    if (label.trim() === "") throw new EvaluatorConfigError(name, `"choices" has an empty label`);
    if (typeof score !== "number" || !Number.isFinite(score)) {
      throw new EvaluatorConfigError(name, `"choices.${label}" must be a finite number (the score recorded for that label), got ${JSON.stringify(score)}`);
    }
  }
  const seen = new Map<string, string>();
  for (const [label] of entries) {
    const clash = seen.get(canonical(label));
    if (clash !== undefined) throw new EvaluatorConfigError(name, `"choices" labels ${JSON.stringify(clash)} and ${JSON.stringify(label)} read the same once case and punctuation are ignored`);
    seen.set(canonical(label), label);
  }
  return choices as Record<string, number>;
}

function instructions(labels: readonly string[], explain: boolean): string {
  const list = labels.map((label) => JSON.stringify(label)).join(", ");
  return explain
    ? `\n\nRespond with a JSON object and nothing else, explaining your reasoning before you decide:\n{"explanation": "<one or two sentences>", "label": <one of ${list}>}`
    : `\n\nAnswer with exactly one of these labels and nothing else: ${list}.`;
}

/**
 * An LLM-as-judge evaluator over any OpenAI-compatible chat-completions endpoint. It renders the
 * template, asks for one of `choices`, and records that label's score. It makes one request per
 * call: rate limits (429, with `retryAfterMs`) and server errors are thrown for the engine to
 * throttle and retry, and a reply that names no allowed label is an error quoting the reply.
 */
export function llmJudge(options: LlmJudgeOptions): LibraryEvaluator {
  const name = options?.name;
  if (typeof name !== "string" || name.trim() === "") {
    throw new EvaluatorConfigError("llmJudge", `"name" must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  if (typeof options.model !== "string" || options.model.trim() === "") {
    throw new EvaluatorConfigError(name, `"model" must be the model id the endpoint serves, e.g. "gpt-4o-mini", got ${JSON.stringify(options.model)}`);
  }
  if (options.temperature !== undefined && options.temperature !== null && (typeof options.temperature !== "number" || !Number.isFinite(options.temperature) || options.temperature < 0)) {
    throw new EvaluatorConfigError(name, `"temperature" must be a number ≥ 0, got ${JSON.stringify(options.temperature)}`);
  }
  const choices = checkChoices(name, options.choices);
  const labels = Object.keys(choices);
  const template = compileTemplate(name, options.template, options.variables);
  const explain = options.explain ?? false;
  const suffix = instructions(labels, explain);

  return {
    name,
    kind: "LLM",
    optimizationDirection: options.optimizationDirection ?? "maximize",
    async evaluate(args: EvaluatorArgs): Promise<LibraryResult> {
      const messages: ChatMessage[] = [];
      if (options.system) messages.push({ role: "system", content: options.system });
      messages.push({ role: "user", content: template.render(args) + suffix });
      let parsed: ReturnType<typeof parseReply> | undefined;
      const completion = await createChatCompletion(
        {
          model: options.model,
          messages,
          ...(options.temperature === null ? {} : { temperature: options.temperature ?? 0 }),
          ...(options.body ?? {}),
        },
        {
          baseURL: options.baseURL,
          apiKey: options.apiKey,
          headers: options.headers,
          signal: args.signal,
          dispatcher: options.dispatcher,
          cache: options.cache,
          repetition: args.run?.repetition,
          shareCacheAcrossRepetitions: options.shareCacheAcrossRepetitions,
          accept: (content) => {
            parsed = parseReply(name, content, labels);
          },
        },
      );
      const verdict = parsed ?? parseReply(name, completion.content, labels);
      return {
        score: choices[verdict.label]!,
        label: verdict.label,
        explanation: verdict.explanation ?? `the judge answered "${verdict.label}"`,
        metadata: { model: options.model, cache: completion.cache },
      };
    },
  };
}
