/**
 * What the step summary needs to know about an experiment's baseline. Whoever finds baselines
 * (committed baseline files, the local store's history) produces this plain shape; the summary
 * only displays it.
 */
export interface BaselineComparison {
  /**
   * Per evaluator name: the baseline's mean score and this experiment's (null when this
   * experiment has no score for it). The summary shows `current - baseline`.
   */
  deltas: Record<string, { baseline: number; current: number | null }>;
  /** Ids of examples that passed in the baseline and fail now. */
  regressed: string[];
  /** Ids of examples that failed in the baseline and pass now. */
  improved: string[];
  /** Where the baseline came from, for the reader: an experiment id, a baseline file path. */
  source: string;
}
