/**
 * The built-in caption embedder: TF-IDF followed by truncated SVD (latent
 * semantic analysis), fitted on the caption corpus itself, so the text analyses
 * run offline with no weights. Matches scikit-learn's
 * `TfidfVectorizer()` defaults (lowercase, tokens of ≥ 2 word characters, smooth
 * idf = ln((1 + n) / (1 + df)) + 1, raw counts, rows L2-normalised) followed by
 * `TruncatedSVD` with an exact SVD: embedding = tfidf · V_kᵀ.
 * Component signs are fixed (largest-magnitude loading positive) so refits agree.
 */
import { getBackend } from '../../linalg/index.js';
import { Matrix } from '../../linalg/matrix.js';
import { UserError } from '../../util/errors.js';
import { hashJson } from '../../util/hash.js';
import type { TextEmbedder } from '../types.js';

export interface TfidfSvdOptions {
  /** Components kept (default 128, MuLan's text size); capped at the corpus rank. */
  dim?: number;
}

/** The fitted state, JSON-serialisable. components: dim × n_terms, row-major. */
export interface TfidfSvdState {
  kind: 'tfidf-svd';
  vocabulary: string[];
  idf: number[];
  dim: number;
  components: number[];
  singularValues: number[];
}

// scikit-learn's default token_pattern r"(?u)\b\w\w+\b"; \w in Python 3 is Unicode-aware.
const TOKEN = /[\p{L}\p{N}_][\p{L}\p{N}\p{M}_]+/gu;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

/** Row-L2-normalised TF-IDF of `texts` over a fixed vocabulary: n_texts × n_terms (float64). */
export function tfidfMatrix(
  texts: readonly string[],
  index: Map<string, number>,
  idf: ArrayLike<number>,
): Matrix {
  const nTerms = index.size;
  const X = Matrix.zeros(texts.length, nTerms, 'float64');
  texts.forEach((t, i) => {
    const row = X.row(i);
    for (const tok of tokenize(t)) {
      const j = index.get(tok);
      if (j !== undefined) row[j] = (row[j] as number) + 1;
    }
    let ss = 0;
    for (let j = 0; j < nTerms; j++) {
      if (row[j] !== 0) row[j] = (row[j] as number) * (idf[j] as number);
      ss += (row[j] as number) ** 2;
    }
    if (ss > 0) {
      const s = 1 / Math.sqrt(ss);
      for (let j = 0; j < nTerms; j++) row[j] = (row[j] as number) * s;
    }
  });
  return X;
}

export class TfidfSvdEmbedder implements TextEmbedder {
  readonly name = 'tfidf';
  readonly dim: number;
  readonly fingerprint: string;
  private readonly index: Map<string, number>;

  constructor(readonly state: TfidfSvdState) {
    this.dim = state.dim;
    this.index = new Map(state.vocabulary.map((w, i) => [w, i]));
    this.fingerprint = `tfidf-svd:${hashJson(state).slice(0, 16)}`;
  }

  /** Fits vocabulary, idf and the SVD on `corpus` (the captions of every clip). */
  static async fit(corpus: readonly string[], opts: TfidfSvdOptions = {}): Promise<TfidfSvdEmbedder> {
    const want = opts.dim ?? 128;
    if (!Number.isInteger(want) || want < 1) {
      throw new UserError(`text embedding size must be a positive integer, got ${want}`, { field: 'dim' });
    }
    const df = new Map<string, number>();
    for (const t of corpus) for (const w of new Set(tokenize(t))) df.set(w, (df.get(w) ?? 0) + 1);
    if (df.size === 0) {
      throw new UserError('the captions contain no words (tokens of two or more letters or digits)', {
        hint: 'check the captions file: one caption per line, or a "caption" column',
      });
    }
    const vocabulary = [...df.keys()].sort();
    const n = corpus.length;
    const idf = vocabulary.map((w) => Math.log((1 + n) / (1 + (df.get(w) as number))) + 1);
    const index = new Map(vocabulary.map((w, i) => [w, i]));
    const X = tfidfMatrix(corpus, index, idf);
    const backend = await getBackend();
    const { s, Vt } = await backend.svd(X);
    const dim = Math.min(want, s.length);
    const nTerms = vocabulary.length;
    const components: number[] = new Array(dim * nTerms);
    for (let k = 0; k < dim; k++) {
      const v = Vt.row(k);
      let big = 0;
      for (let j = 0; j < nTerms; j++) if (Math.abs(v[j] as number) > Math.abs(big)) big = v[j] as number;
      const sign = big < 0 ? -1 : 1;
      for (let j = 0; j < nTerms; j++) components[k * nTerms + j] = sign * (v[j] as number);
    }
    return new TfidfSvdEmbedder({
      kind: 'tfidf-svd',
      vocabulary,
      idf,
      dim,
      components,
      singularValues: Array.from(s.subarray(0, dim)),
    });
  }

  /** texts.length × dim: each text's TF-IDF projected on the fitted components. */
  async embed(texts: readonly string[]): Promise<Matrix<Float32Array>> {
    const X = tfidfMatrix(texts, this.index, this.state.idf);
    const nTerms = this.state.vocabulary.length;
    const C = this.state.components;
    const out = Matrix.zeros(texts.length, this.dim, 'float32');
    for (let i = 0; i < texts.length; i++) {
      const x = X.row(i);
      for (let k = 0; k < this.dim; k++) {
        let acc = 0;
        const base = k * nTerms;
        for (let j = 0; j < nTerms; j++) {
          const xv = x[j] as number;
          if (xv !== 0) acc += xv * (C[base + j] as number);
        }
        out.data[i * this.dim + k] = acc;
      }
    }
    return out;
  }

  toJSON(): TfidfSvdState {
    return this.state;
  }
}
