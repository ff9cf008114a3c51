/** What discovery and the per-file checks find wrong with a dataset: a file, a reason, a severity. */
export interface BidsProblem {
  /** The file concerned (or the folder, for structural problems). */
  file: string;
  /** 1-based line in `file`, for text files. */
  line?: number;
  reason: string;
  /** `error`: the file cannot be used; `warning`: it can, but looks wrong; `missing`: an expected file is absent. */
  severity: 'error' | 'warning' | 'missing';
}
