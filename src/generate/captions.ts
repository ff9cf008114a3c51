/**
 * Text prompts from a clip embedding, for text-conditioned generators (`musicgen`).
 *
 * The rule: captions of the training clips are embedded in a caption-text space
 * (TF-IDF + truncated SVD fitted on those captions only, src/embed/text); a ridge
 * map (per-target alpha by 5-fold CV, src/ridge) is fitted from the standardised
 * clip-level embedding to that space on the same TRAINING clips; a target
 * embedding is mapped into the caption space and the training clips are ranked by
 * cosine between their caption vectors and the mapped one. The prompt for
 * candidate k is the caption of the ((k mod `neighbours`) + 1)-th nearest training
 * clip, so N candidates explore the few most plausible descriptions. Test clips
 * never shape the text space, the map or the pool of prompts.
 */
import { TfidfSvdEmbedder } from '../embed/text/tfidf.js';
import { cosine } from '../evaluate/correlation.js';
import { Matrix } from '../linalg/matrix.js';
import { fitRidgeCV } from '../ridge/index.js';
import type { RidgeModel } from '../ridge/model.js';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';

/** Size of the caption-text space (the encoding stage's `caption` space uses the same). */
export const CAPTION_SPACE_DIM = 64;
/** Distinct nearest captions the candidates cycle through. */
export const PROMPT_NEIGHBOURS = 3;

export interface PromptNeighbour {
  /** Training clip whose caption is the prompt. */
  clip: string;
  caption: string;
  /** Cosine between its caption vector and the target mapped into caption space. */
  similarity: number;
}

export interface CaptionTrainingSet {
  ids: readonly string[];
  /** Standardised clip-level embeddings: n_clips × dim. */
  embeddings: Matrix;
  captions: readonly string[];
}

export class CaptionPrompter {
  private constructor(
    readonly dim: number,
    private readonly map: RidgeModel,
    private readonly ids: readonly string[],
    private readonly captions: readonly string[],
    /** Caption vectors of the training clips: n_clips × CAPTION_SPACE_DIM. */
    private readonly space: Matrix<Float32Array>,
    /** Out-of-fold R² of the map (5 folds, pooled over the caption dimensions). */
    readonly cvR2: number,
    readonly textFingerprint: string,
  ) {}

  /** Fits the caption space and the ridge map on training clips (≥ 5, with non-empty captions). */
  static async fit(train: CaptionTrainingSet, seed = 0): Promise<CaptionPrompter> {
    const n = train.ids.length;
    if (train.embeddings.rows !== n || train.captions.length !== n)
      throw new Error(
        `caption training set: ${n} ids, ${train.embeddings.rows} rows, ${train.captions.length} captions`,
      );
    if (n < 5)
      throw new UserError(`text prompts need captions of at least 5 training clips, got ${n}`, {
        field: 'captions',
        hint: 'write stimuli/captions.tsv (columns id, caption) for the training clips',
      });
    const text = await TfidfSvdEmbedder.fit(train.captions, { dim: CAPTION_SPACE_DIM });
    const space = await text.embed(train.captions);
    // Contiguous CV folds would follow the design's order (often by genre): shuffle first.
    const perm = new Rng(`caption-map:${seed}`).shuffle(Array.from({ length: n }, (_, i) => i));
    const X = Matrix.zeros(n, train.embeddings.cols, 'float64');
    const Y = Matrix.zeros(n, space.cols, 'float64');
    perm.forEach((src, r) => {
      X.data.set(train.embeddings.row(src), r * X.cols);
      Y.data.set(space.row(src), r * Y.cols);
    });
    const ridgeOpts = {
      alphas: [0.1, 1, 10, 100, 1000, 1e4, 1e5],
      cv: { kind: 'kfold' as const, folds: Math.min(5, n - 1) },
      score: 'r2' as const,
    };
    const map = await fitRidgeCV(X, Y, ridgeOpts);
    // Out-of-fold R², pooled over the caption dimensions (1 − ΣSSE / ΣSST): per-dimension
    // R² averaged over folds is unstable when a component is constant within a small fold.
    const folds = Math.min(5, n);
    let sse = 0;
    let sst = 0;
    for (let f = 0; f < folds; f++) {
      const test = Array.from({ length: n }, (_, i) => i).filter((i) => i % folds === f);
      const train = Array.from({ length: n }, (_, i) => i).filter((i) => i % folds !== f);
      const m = await fitRidgeCV(X.takeRows(train), Y.takeRows(train), {
        ...ridgeOpts,
        cv: { kind: 'kfold' as const, folds: Math.min(5, train.length - 1) },
      });
      const P = await m.predict(X.takeRows(test));
      for (let j = 0; j < Y.cols; j++) {
        let mean = 0;
        for (const i of train) mean += Y.get(i, j) / train.length;
        test.forEach((i, r) => {
          sse += (Y.get(i, j) - P.get(r, j)) ** 2;
          sst += (Y.get(i, j) - mean) ** 2;
        });
      }
    }
    const cv = sst > 0 ? 1 - sse / sst : 0;
    return new CaptionPrompter(
      train.embeddings.cols,
      map,
      [...train.ids],
      [...train.captions],
      space,
      cv,
      text.fingerprint,
    );
  }

  /** The `count` training clips nearest to `embedding` (dim) in caption space, nearest first (ties: lower row). */
  async nearest(embedding: Float32Array, count: number): Promise<PromptNeighbour[]> {
    if (embedding.length !== this.dim)
      throw new UserError(
        `the caption map was fitted on ${this.dim}-d embeddings, got ${embedding.length}-d`,
        {
          hint: 'fit the prompts with the same embedder as the decoder',
        },
      );
    const P = await this.map.predict(new Matrix(1, this.dim, Float64Array.from(embedding)));
    const mapped = P.row(0);
    const sims = this.ids.map((_, i) => cosine(mapped, this.space.row(i)));
    const order = sims.map((_, i) => i).sort((a, b) => (sims[b] as number) - (sims[a] as number) || a - b);
    return order.slice(0, count).map((i) => ({
      clip: this.ids[i] as string,
      caption: this.captions[i] as string,
      similarity: sims[i] as number,
    }));
  }

  /** Candidate k's prompt for `embedding`: see the module comment. */
  async promptFor(embedding: Float32Array, k: number): Promise<PromptNeighbour> {
    const near = await this.nearest(embedding, PROMPT_NEIGHBOURS);
    return near[k % near.length] as PromptNeighbour;
  }
}
