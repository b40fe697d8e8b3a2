/**
 * Where a real LLM call plugs in. The examples run offline and deterministically: `complete()`
 * answers with the local `fallback` unless `OPENAI_API_KEY` is set, in which case it calls an
 * OpenAI-compatible chat-completions endpoint (`OPENAI_BASE_URL`, default api.openai.com).
 *
 * Note the `signal`: the engine aborts it when an attempt times out, so a slow call is cancelled
 * instead of piling up. A 429 answer is thrown with its status, which makes the experiment throttle
 * (adaptive rate limiting) and retry without spending its retries.
 */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers?: Headers) {
    super(message);
  }
}

export async function complete(prompt: string, options: { signal: AbortSignal; fallback: () => string; model?: string }): Promise<string> {
  const apiKey = process.env.OPENAI_API_KEY;
  if (!apiKey) return options.fallback();
  const baseURL = process.env.OPENAI_BASE_URL ?? "https://api.openai.com/v1";
  const response = await fetch(`${baseURL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ model: options.model ?? "gpt-4o-mini", temperature: 0, messages: [{ role: "user", content: prompt }] }),
    signal: options.signal,
  });
  if (!response.ok) throw new HttpError(response.status, `chat completion failed with HTTP ${response.status}`, response.headers);
  const body = (await response.json()) as { choices: { message: { content: string } }[] };
  return body.choices[0]?.message.content?.trim() ?? "";
}
