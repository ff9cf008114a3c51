import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Standardizer } from '../embed/standardize.js';
import { Matrix } from '../linalg/matrix.js';
import { isUserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { prepareLibrary, queryLibrary } from './query.js';

function randn(rows: number, cols: number, seed: number, shift = 0): Matrix<Float32Array> {
  const m = Matrix.zeros(rows, cols, 'float32');
  new Rng(seed).fillNormal(m.data);
  if (shift)
    for (let i = 0; i < m.data.length; i++) m.data[i] = (m.data[i] as number) * (1 + (i % 7)) + shift;
  return m;
}

/** The slow, obviously correct reference: float64 cosine of every pair, sorted (score desc, index asc). */
function bruteForce(
  E: Matrix,
  Q: Matrix,
  k: number,
  st?: Standardizer,
): { idx: number[][]; cos: number[][] } {
  const Ez = st ? st.transform(E) : E;
  const norm = (r: ArrayLike<number>) => {
    let s = 0;
    for (let j = 0; j < r.length; j++) s += (r[j] as number) ** 2;
    return Math.sqrt(s);
  };
  const en = Array.from({ length: Ez.rows }, (_, i) => norm(Ez.row(i)));
  const idx: number[][] = [];
  const cos: number[][] = [];
  for (let q = 0; q < Q.rows; q++) {
    const qr = Q.row(q);
    const nq = norm(qr);
    const all: number[] = [];
    for (let i = 0; i < Ez.rows; i++) {
      const r = Ez.row(i);
      let s = 0;
      for (let j = 0; j < Q.cols; j++) s += (qr[j] as number) * (r[j] as number);
      const d = nq * (en[i] as number);
      all.push(d > 0 ? s / d : 0);
    }
    cos.push(all);
    idx.push(
      all
        .map((s, i) => [s, i] as const)
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .slice(0, k)
        .map((x) => x[1]),
    );
  }
  return { idx, cos };
}

/** Same neighbours as the reference up to float32 near-ties: every rank's reference cosine matches. */
function assertMatches(
  res: { indices: Int32Array; scores: Float32Array },
  ref: ReturnType<typeof bruteForce>,
  k: number,
) {
  ref.idx.forEach((row, q) => {
    for (let j = 0; j < k; j++) {
      const got = res.indices[q * k + j] as number;
      const cosRef = ref.cos[q]![row[j] as number]!;
      assert.ok(Math.abs(ref.cos[q]![got]! - cosRef) < 2e-6, `query ${q} rank ${j}: ${got} vs ${row[j]}`);
      assert.ok(Math.abs((res.scores[q * k + j] as number) - cosRef) < 2e-5, `score ${q},${j}`);
    }
  });
  // On random data exact ties are absent: the indices agree outright almost everywhere.
  let same = 0;
  ref.idx.forEach((row, q) => {
    row.forEach((t, j) => {
      if (res.indices[q * k + j] === t) same++;
    });
  });
  assert.ok(same >= 0.98 * ref.idx.length * k, `${same} of ${ref.idx.length * k} indices agree`);
}

describe('queryLibrary', () => {
  test('matches brute-force cosine, with and without a standardiser, batched or not', async () => {
    const E = randn(1500, 24, 1, 0.5);
    const Q = randn(70, 24, 2);
    const k = 7;
    const train = randn(300, 24, 3, 0.5);
    const st = Standardizer.fit(train);
    for (const standardizer of [undefined, st]) {
      const ref = bruteForce(E, Q, k, standardizer);
      // Whole library per GEMM; 16 queries per GEMM; one query per GEMM against library blocks of 1000 (+ 500).
      for (const maxBlockBytes of [undefined, 96_000, 4000]) {
        const res = await queryLibrary({ E }, Q, k, { standardizer, maxBlockBytes });
        assert.equal(res.indices.length, 70 * k);
        assertMatches(res, ref, k);
      }
    }
  });

  test('ties go to the lower index; zero vectors score 0; a prepared library answers the same', async () => {
    // Rows whose unit vectors are exact in binary: every dot product below is exact.
    const E = Matrix.fromRows(
      [
        [0, 0, 0, 0],
        [1, 1, 1, 1],
        [2, 0, 0, 0],
        [2, 2, 2, 2],
        [1, 0, 0, 0],
        [0, 3, 0, 0],
      ],
      'float32',
    );
    const Q = Matrix.fromRows(
      [
        [5, 0, 0, 0],
        [1, 1, 1, 1],
        [0, 0, 0, 0],
      ],
      'float32',
    );
    const res = await queryLibrary(prepareLibrary({ E }), Q, 3);
    assert.deepEqual(Array.from(res.indices), [2, 4, 1, 1, 3, 2, 0, 1, 2]);
    assert.deepEqual(Array.from(res.scores), [1, 1, 0.5, 1, 1, 0.5, 0, 0, 0]);
  });

  test('10⁴ × 128 library: the same answers as brute force for 40 queries', async () => {
    const E = randn(10_000, 128, 4);
    const Q = randn(40, 128, 5);
    const res = await queryLibrary({ E }, Q, 5);
    assertMatches(res, bruteForce(E, Q, 5), 5);
  });

  test('clear errors: k out of range, width mismatch, NaN query, damaged library, over budget', async () => {
    const E = randn(10, 4, 6);
    const user = (re: RegExp) => (e: unknown) => isUserError(e) && re.test(e.message);
    await assert.rejects(queryLibrary({ E }, randn(2, 4, 7), 11), user(/top 11 of a library of 10/));
    await assert.rejects(
      queryLibrary({ E }, randn(2, 5, 7), 1),
      user(/queries have 5 dimensions, the library 4/),
    );
    const Q = randn(3, 4, 7);
    Q.data[6] = Number.NaN;
    await assert.rejects(queryLibrary({ E }, Q, 1), user(/query 1 holds NaN in dimension 2/));
    const bad = randn(10, 4, 6);
    bad.data[9] = Number.POSITIVE_INFINITY;
    assert.throws(
      () => prepareLibrary({ E: bad, ids: Array.from({ length: 10 }, (_, i) => `t${i}`) }),
      user(/library vector 2 \(t2\) holds Infinity/),
    );
    assert.throws(
      () => prepareLibrary({ E }, { maxMemoryBytes: 100 }),
      user(/needs 160 KiB|over the memory budget/),
    );
    assert.throws(
      () => prepareLibrary({ E }, { standardizer: Standardizer.fit(randn(5, 3, 1)) }),
      user(/3 dimensions, the library index 4/),
    );
  });
});
