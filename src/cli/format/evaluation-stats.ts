/** One evaluation of one run, as a server returns it (Phoenix annotations, AX `eval.<name>.*` columns). */
export interface EvaluationSample {
  name: string;
  score?: number | null;
  label?: string | null;
  error?: string | null;
}

/** Per evaluator, over a remote experiment's runs: scored runs, mean score, errors, label counts. */
export interface EvaluationStat {
  name: string;
  count: number;
  mean: number | null;
  errors: number;
  labels: Record<string, number>;
}

/** The statistics `phoenix show` and `arize show` print, by evaluator name. */
export function evaluationStats(samples: Iterable<EvaluationSample>): EvaluationStat[] {
  const stats = new Map<string, EvaluationStat & { sum: number }>();
  for (const e of samples) {
    const stat = stats.get(e.name) ?? { name: e.name, count: 0, mean: null, errors: 0, labels: {}, sum: 0 };
    stats.set(e.name, stat);
    if (e.error) stat.errors++;
    if (e.score !== null && e.score !== undefined) {
      stat.count++;
      stat.sum += e.score;
    }
    if (e.label) stat.labels[e.label] = (stat.labels[e.label] ?? 0) + 1;
  }
  return [...stats.values()].sort((a, b) => a.name.localeCompare(b.name)).map(({ sum, ...s }) => ({ ...s, mean: s.count > 0 ? sum / s.count : null }));
}
