/**
 * One test suite, run on every backend (portable always; native when the addon
 * loads, or required with B2M_REQUIRE_NATIVE=1) and both dtypes. Each routine is
 * checked against a slow triple-loop reference or numpy/scipy fixtures
 * (scripts/fixtures/linalg.py), and against its defining properties.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { UserError } from '../util/errors.js';
import type { Backend } from './backend.js';
import { type DType, Matrix } from './matrix.js';
import { loadAddon } from './native/addon.js';
import { createNativeBackend } from './native/index.js';
import { createPortableBackend } from './portable/index.js';
import { diffFro, eps, fro, orthoError, randn, randSPD, randSym, refGemm } from './testing.js';

interface Fixtures {
  eigh: { A: number[][]; values: number[] }[];
  cholesky: { A: number[][]; L: number[][]; B: number[][]; X: number[][] }[];
  svd: { A: number[][]; s: number[] }[];
}
const FIX: Fixtures = JSON.parse(
  readFileSync(new URL('../../test/fixtures/linalg/reference.json', import.meta.url), 'utf8'),
);

const backends: [string, Backend | string][] = [['portable', createPortableBackend('test')]];
const load = loadAddon();
if (load.ok) backends.push(['native', createNativeBackend(load.addon, 'test', 2)]);
else if (process.env.B2M_REQUIRE_NATIVE === '1') throw new Error(`B2M_REQUIRE_NATIVE=1 but ${load.reason}`);
else backends.push(['native', load.reason]);

const DTYPES: DType[] = ['float32', 'float64'];
/** Normwise relative tolerance for small problems (n ≲ 100): a few hundred ulps. */
const TOL = { float32: 2e-5, float64: 1e-13 } as const;

function userError(re: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${e}`);
    assert.match((e as Error).message, re);
    return true;
  };
}

/** Asserts err ≤ bound with a message (assert.ok without one is very slow to fail under tsx). */
function small(err: number, bound: number, what: string): void {
  assert.ok(err <= bound, `${what}: ${err} exceeds ${bound}`);
}

function diag(values: ArrayLike<number>): Matrix<Float64Array> {
  return Matrix.build(values.length, values.length, (i, j) => (i === j ? (values[i] as number) : 0));
}

for (const [name, backend] of backends) {
  describe(`${name} backend`, { skip: typeof backend === 'string' ? backend : false }, () => {
    const b = backend as Backend;

    for (const dtype of DTYPES) {
      const tol = TOL[dtype];

      describe(`gemm ${dtype}`, () => {
        const shapes: [number, number, number][] = [
          [1, 1, 1],
          [5, 1, 1],
          [1, 7, 3],
          [6, 1, 9],
          [7, 5, 3],
          [33, 17, 65],
          [65, 129, 31],
        ];
        for (const [m, n, k] of shapes) {
          for (const [tA, tB] of [
            [false, false],
            [true, false],
            [false, true],
            [true, true],
          ] as const) {
            it(`${m}×${k} · ${k}×${n}, transA=${tA} transB=${tB}, matches the triple loop`, async () => {
              const A = tA ? randn(k, m, dtype, m * 100 + k) : randn(m, k, dtype, m * 100 + k);
              const B = tB ? randn(n, k, dtype, n * 100 + k + 1) : randn(k, n, dtype, n * 100 + k + 1);
              const C = await b.gemm(A, B, { transA: tA, transB: tB });
              assert.equal(C.dtype, dtype);
              assert.deepEqual(C.shape, [m, n]);
              const ref = refGemm(A, B, tA, tB);
              small(diffFro(C, ref), tol * Math.sqrt(k) * fro(A) * fro(B) + 1e-30, 'gemm vs triple loop');
            });
          }
        }

        it('alpha and beta accumulate into out', async () => {
          const A = randn(9, 4, dtype, 1);
          const B = randn(4, 6, dtype, 2);
          const C0 = randn(9, 6, dtype, 3);
          const out = C0.clone();
          const C = await b.gemm(A, B, { alpha: -0.5, beta: 2, out });
          assert.equal(C, out);
          const ref = refGemm(A, B);
          const want = Matrix.build(9, 6, (i, j) => -0.5 * ref.get(i, j) + 2 * C0.get(i, j));
          small(diffFro(C, want), tol * 10 * fro(want), 'alpha·AB + beta·C');
        });

        it('an empty inner dimension gives beta·C, empty outputs are empty', async () => {
          const C = await b.gemm(Matrix.zeros(3, 0, dtype), Matrix.zeros(0, 2, dtype));
          assert.deepEqual(C.toRows(), [
            [0, 0],
            [0, 0],
            [0, 0],
          ]);
          const E = await b.gemm(Matrix.zeros(0, 4, dtype), randn(4, 5, dtype, 1));
          assert.deepEqual(E.shape, [0, 5]);
        });

        it('rejects mismatched shapes, dtypes, NaN and a wrong out', async () => {
          const A = randn(3, 4, dtype, 1);
          await assert.rejects(
            b.gemm(A, randn(3, 2, dtype, 2)),
            userError(/inner dimensions differ.*3 × 4.*3 × 2/),
          );
          const other = dtype === 'float32' ? 'float64' : 'float32';
          await assert.rejects(b.gemm(A, randn(4, 2, other, 2)), userError(/share a dtype/));
          const bad = randn(4, 2, dtype, 3);
          bad.set(2, 1, Number.NaN);
          await assert.rejects(
            b.gemm(A, bad),
            userError(/B has a non-finite value \(NaN\) at row 2, column 1/),
          );
          // assumeFinite skips only the operand the caller vouches for.
          const skipped = await b.gemm(A, bad, { assumeFinite: { B: true } });
          assert.ok(Number.isNaN(skipped.get(0, 1)) && Number.isFinite(skipped.get(0, 0)));
          await assert.rejects(
            b.gemm(A, bad, { assumeFinite: { A: true } }),
            userError(/B has a non-finite/),
          );
          const badRows = randn(2, 4, dtype, 6);
          badRows.set(1, 1, Number.NaN);
          await assert.rejects(b.syrk(badRows), userError(/A has a non-finite value \(NaN\) at row 1/));
          assert.ok(Number.isNaN((await b.syrk(badRows, { assumeFinite: true })).get(1, 1)));
          const inf = A.clone();
          inf.set(0, 3, Number.POSITIVE_INFINITY);
          await assert.rejects(
            b.gemm(inf, bad),
            userError(/A has a non-finite value \(Infinity\) at row 0, column 3/),
          );
          await assert.rejects(
            b.gemm(A, randn(4, 2, dtype, 2), { out: Matrix.zeros(2, 2, dtype) }),
            userError(/out is 2 × 2 but op\(A\)·op\(B\) is 3 × 2/),
          );
          await assert.rejects(b.gemm(A, randn(4, 2, dtype, 2), { alpha: Number.NaN }), userError(/alpha/));
          const M = randn(3, 3, dtype, 4);
          await assert.rejects(
            b.gemm(M, randn(3, 3, dtype, 5), { out: M }),
            userError(/must not share memory/),
          );
        });

        it('refuses an output larger than memory before allocating it', async () => {
          const col = Matrix.zeros(200_000, 1, dtype);
          const row = Matrix.zeros(1, 200_000, dtype);
          await assert.rejects(b.gemm(col, row), userError(/needs \d+\.\d GiB but this machine has/));
        });
      });

      describe(`syrk ${dtype}`, () => {
        for (const [n, k] of [
          [1, 1],
          [1, 5],
          [6, 1],
          [17, 9],
          [40, 71],
        ] as const) {
          for (const trans of [false, true]) {
            it(`${trans ? 'Aᵀ·A' : 'A·Aᵀ'} with n=${n}, k=${k} matches the triple loop and is symmetric`, async () => {
              const A = trans ? randn(k, n, dtype, n + k) : randn(n, k, dtype, n + k);
              const C = await b.syrk(A, { trans, alpha: 0.5 });
              const ref = refGemm(A, A, trans, !trans);
              const want = Matrix.build(n, n, (i, j) => 0.5 * ref.get(i, j));
              small(diffFro(C, want), tol * Math.sqrt(k) * fro(want) + 1e-30, 'syrk vs triple loop');
              for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(C.get(i, j), C.get(j, i));
            });
          }
        }
      });

      describe(`eigh ${dtype}`, () => {
        const check = async (A: Matrix, refValues?: number[]) => {
          const n = A.rows;
          const { values, vectors: V } = await b.eigh(A);
          assert.equal(values.length, n);
          assert.deepEqual(V.shape, [n, n]);
          assert.equal(V.dtype, dtype);
          for (let i = 1; i < n; i++)
            assert.ok((values[i] as number) >= (values[i - 1] as number), 'ascending');
          const scale = Math.max(fro(A), 1e-300);
          // A·V = V·Λ and VᵀV = I.
          const resid = diffFro(refGemm(A, V), refGemm(V, diag(values)));
          assert.ok(resid <= tol * n * scale, `residual ${resid / scale}`);
          assert.ok(orthoError(V) <= tol * n * 4, `orthogonality ${orthoError(V)}`);
          if (refValues) {
            for (let i = 0; i < n; i++) {
              small(
                Math.abs((values[i] as number) - (refValues[i] as number)),
                tol * n * scale * 4,
                `eigenvalue ${i} vs reference`,
              );
            }
          }
        };
        FIX.eigh.forEach((f, idx) => {
          it(`numpy fixture ${idx} (n=${f.A.length}): values, residual, orthogonality`, async () => {
            await check(Matrix.fromRows(f.A, dtype), f.values);
          });
        });
        for (const n of [3, 31, 64]) {
          it(`random symmetric n=${n}: residual and orthogonality`, () => check(randSym(n, dtype, n)));
        }
        it('diagonal and identity (repeated eigenvalues)', async () => {
          await check(Matrix.identity(7, dtype), [1, 1, 1, 1, 1, 1, 1]);
          await check(
            Matrix.build(4, 4, (i, j) => (i === j ? [3, -1, 2, 0][i]! : 0), dtype),
            [-1, 0, 2, 3],
          );
          await check(Matrix.zeros(3, 3, dtype), [0, 0, 0]);
        });
        it('does not modify its input', async () => {
          const A = randSym(5, dtype, 9);
          const copy = A.clone();
          await b.eigh(A);
          assert.deepEqual(A.data, copy.data);
        });
        it('rejects non-square, non-symmetric and NaN input', async () => {
          await assert.rejects(b.eigh(randn(3, 4, dtype, 1)), userError(/must be square, got 3 × 4/));
          const A = randSym(6, dtype, 2);
          A.set(4, 1, A.get(4, 1) + 0.5);
          await assert.rejects(b.eigh(A), userError(/not symmetric: entry \((1, 4|4, 1)\)/));
          const N = randSym(6, dtype, 2);
          N.set(2, 2, Number.NaN);
          await assert.rejects(b.eigh(N), userError(/non-finite value \(NaN\) at row 2, column 2/));
        });
        it('accepts rounding-level asymmetry (e.g. from gemm(Xᵀ, X))', async () => {
          const A = randSym(8, dtype, 3);
          A.set(5, 2, A.get(5, 2) * (1 + 4 * eps(dtype)));
          await check(A);
        });
      });

      describe(`cholesky and solves ${dtype}`, () => {
        FIX.cholesky.forEach((f, idx) => {
          it(`numpy fixture ${idx} (n=${f.A.length}): L, reconstruction, solve`, async () => {
            const A = Matrix.fromRows(f.A, dtype);
            const L = await b.cholesky(A);
            const n = A.rows;
            for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(L.get(i, j), 0);
            small(diffFro(L, Matrix.fromRows(f.L)), tol * n * 10 * fro(Matrix.fromRows(f.L)), 'L vs numpy');
            small(diffFro(refGemm(L, L, false, true), A), tol * n * fro(A), 'L·Lᵀ − A');
            const B = Matrix.fromRows(f.B, dtype);
            const Xref = Matrix.fromRows(f.X);
            for (const X of [await b.choleskySolve(L, B), await b.solveSPD(A, B)]) {
              assert.deepEqual(X.shape, [n, B.cols]);
              small(diffFro(X, Xref), tol * n * 50 * fro(Xref), 'X vs scipy');
            }
          });
        });
        it('random SPD n=45 with 7 right-hand sides: ‖A·X − B‖ small', async () => {
          const A = randSPD(45, dtype, 5);
          const B = randn(45, 7, dtype, 6);
          const X = await b.solveSPD(A, B);
          small(diffFro(refGemm(A, X), B), tol * 45 * fro(A) * fro(X), 'A·X − B');
        });
        it('rejects a non-SPD matrix with the failing minor', async () => {
          const A = Matrix.fromRows(
            [
              [4, 2, 0],
              [2, 1, 0],
              [0, 0, 3],
            ],
            dtype,
          );
          await assert.rejects(
            b.cholesky(A),
            userError(/not positive definite: the leading minor of order 2/),
          );
          await assert.rejects(
            b.solveSPD(diag([1, -1, 2]).astype(dtype), randn(3, 1, dtype, 1)),
            userError(/order 2/),
          );
        });
        it('rejects non-symmetric, NaN, and shape mismatches', async () => {
          const A = randSPD(4, dtype, 1);
          A.set(0, 3, A.get(0, 3) + 1);
          await assert.rejects(b.cholesky(A), userError(/not symmetric/));
          const N = randSPD(4, dtype, 1);
          N.set(1, 1, Number.NaN);
          await assert.rejects(b.cholesky(N), userError(/non-finite/));
          const L = await b.cholesky(randSPD(4, dtype, 1));
          await assert.rejects(
            b.choleskySolve(L, randn(5, 2, dtype, 1)),
            userError(/B has 5 rows but L is 4 × 4/),
          );
          await assert.rejects(
            b.choleskySolve(randn(4, 3, dtype, 1), randn(4, 2, dtype, 1)),
            userError(/square/),
          );
        });
      });

      describe(`svd ${dtype}`, () => {
        const check = async (A: Matrix, refS?: number[]) => {
          const { rows: m, cols: n } = A;
          const k = Math.min(m, n);
          const { U, s, Vt } = await b.svd(A);
          assert.deepEqual(U.shape, [m, k]);
          assert.deepEqual(Vt.shape, [k, n]);
          assert.equal(s.length, k);
          for (let i = 0; i < k; i++) assert.ok((s[i] as number) >= 0, 'non-negative');
          for (let i = 1; i < k; i++) assert.ok((s[i] as number) <= (s[i - 1] as number), 'descending');
          const scale = Math.max(fro(A), 1e-300);
          const recon = refGemm(refGemm(U, diag(s)), Vt);
          assert.ok(diffFro(recon, A) <= tol * 10 * Math.max(m, n) * scale, 'reconstruction');
          assert.ok(orthoError(U) <= tol * 10 * Math.max(m, n), `U orthonormal: ${orthoError(U)}`);
          assert.ok(orthoError(Vt.transpose()) <= tol * 10 * Math.max(m, n), 'V orthonormal');
          if (refS) {
            for (let i = 0; i < k; i++) {
              small(
                Math.abs((s[i] as number) - (refS[i] as number)),
                tol * 10 * Math.max(m, n) * scale,
                `s[${i}] vs numpy`,
              );
            }
          }
        };
        FIX.svd.forEach((f, idx) => {
          it(`numpy fixture ${idx} (${f.A.length}×${f.A[0]!.length})`, () =>
            check(Matrix.fromRows(f.A, dtype), f.s));
        });
        for (const [m, n] of [
          [40, 13],
          [13, 40],
          [24, 24],
        ] as const) {
          it(`random ${m}×${n}: reconstruction and orthonormality`, () => check(randn(m, n, dtype, m * n)));
        }
        it('all-zero matrix still gives orthonormal factors', () =>
          check(Matrix.zeros(5, 3, dtype), [0, 0, 0]));
        it('does not modify its input; rejects NaN', async () => {
          const A = randn(6, 4, dtype, 2);
          const copy = A.clone();
          await b.svd(A);
          assert.deepEqual(A.data, copy.data);
          A.set(5, 3, Number.NEGATIVE_INFINITY);
          await assert.rejects(b.svd(A), userError(/non-finite value \(-Infinity\) at row 5, column 3/));
        });
      });
    }
  });
}

describe('native and portable agree', { skip: load.ok ? false : 'native addon not available' }, () => {
  it('eigenvalues and singular values of the same matrices', async () => {
    const [, p] = backends[0] as [string, Backend];
    const [, n] = backends[1] as [string, Backend];
    const A = randSym(50, 'float64', 11);
    const ep = await p.eigh(A);
    const en = await n.eigh(A);
    for (let i = 0; i < 50; i++)
      small(Math.abs(ep.values[i]! - en.values[i]!), 1e-12 * fro(A), 'eigenvalues native vs portable');
    const X = randn(30, 20, 'float64', 12);
    const sp = await p.svd(X);
    const sn = await n.svd(X);
    for (let i = 0; i < 20; i++)
      small(Math.abs(sp.s[i]! - sn.s[i]!), 1e-12 * fro(X), 'singular values native vs portable');
  });
});
