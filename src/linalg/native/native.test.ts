/**
 * What only the native addon does: work off the JavaScript thread, the float32
 * eigensolver workspace fix, thread control, and its own guard against bad calls.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../matrix.js';
import { diffFro, fro, randn, refGemm } from '../testing.js';
import { loadAddon } from './addon.js';
import { createNativeBackend } from './index.js';

const load = loadAddon();

describe('native addon', {
  skip: load.ok ? false : `native addon not available: ${(load as { reason?: string }).reason}`,
}, () => {
  const addon = load.ok ? load.addon : (undefined as never);
  const b = load.ok ? createNativeBackend(addon, 'test', 2) : (undefined as never);

  it('runs gemm off the JavaScript thread: timers fire while it works', async () => {
    const A = randn(1200, 1200, 'float64', 1);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const pending = b.gemm(A, A);
    // The call has returned a promise before any BLAS work blocked this thread.
    await new Promise((r) => setImmediate(r));
    const C = await pending;
    clearInterval(timer);
    assert.ok(ticks >= 1, 'event loop ran during the call');
    const ref = refGemm(A.rowSlice(0, 3), A);
    assert.ok(diffFro(C.rowSlice(0, 3), ref) <= 1e-12 * fro(ref), 'result correct');
  });

  it('keeps typed arrays alive until the work completes (no copy, results in place)', async () => {
    const calls = [];
    for (let i = 0; i < 8; i++) {
      calls.push(b.gemm(randn(64, 64, 'float32', i), randn(64, 64, 'float32', i + 100)));
    }
    if (global.gc) global.gc();
    const outs = await Promise.all(calls);
    for (let i = 0; i < 8; i++) {
      const ref = refGemm(randn(64, 64, 'float32', i), randn(64, 64, 'float32', i + 100));
      assert.ok(diffFro(outs[i]!, ref) <= 1e-5 * fro(ref), `call ${i}`);
    }
  });

  it('float32 eigh above n = 2896 (workspace > 2^24, the ssyevd rounding bug) succeeds', async () => {
    // A diagonal-plus-rank-one matrix: cheap to check, exercises the same workspace size.
    const n = 3000;
    const d = Float32Array.from({ length: n }, (_, i) => i + 1);
    const A = Matrix.build(n, n, (i, j) => (i === j ? d[i]! : 0) + 1e-3, 'float32');
    const { values, vectors } = await b.eigh(A);
    assert.equal(values.length, n);
    // Interlacing: λ_i ∈ [d_i, d_{i+1}] for a positive rank-one update of diag(d) (within float32 rounding).
    for (let i = 0; i < n - 1; i++) {
      assert.ok(values[i]! >= d[i]! - 1e-2 && values[i]! <= d[i + 1]! + 1e-2, `λ${i} = ${values[i]}`);
    }
    // First column is a unit vector.
    let norm = 0;
    for (let i = 0; i < n; i++) norm += vectors.get(i, 0) ** 2;
    assert.ok(Math.abs(norm - 1) < 1e-4, `‖v0‖² = ${norm}`);
  });

  it('reports OpenBLAS and sets its thread count', () => {
    const info = addon.info();
    assert.match(info.config, /OpenBLAS/);
    addon.setThreads(1);
    assert.equal(addon.info().threads, 1);
    addon.setThreads(info.threads);
    assert.equal(addon.info().threads, info.threads);
  });

  it('on one thread, concurrent calls run side by side and give the bytes of serial calls', async () => {
    const before = addon.info().threads;
    addon.setThreads(1);
    try {
      const inputs = Array.from({ length: 6 }, (_, i) =>
        randn(300, 300, i % 2 ? 'float32' : 'float64', 10 + i),
      );
      const work = async (A: Matrix) => {
        const K = await b.syrk(A);
        const { values, vectors } = await b.eigh(K);
        const C = await b.gemm(vectors, A);
        return [values, vectors.data, C.data];
      };
      const serial = [];
      for (const A of inputs) serial.push(await work(A));
      const concurrent = await Promise.all(inputs.map(work));
      for (let i = 0; i < inputs.length; i++) {
        for (let k = 0; k < 3; k++) {
          assert.deepEqual(
            new Uint8Array(concurrent[i]![k]!.buffer),
            new Uint8Array(serial[i]![k]!.buffer),
            `input ${i}, output ${k}`,
          );
        }
      }
    } finally {
      addon.setThreads(before);
    }
  });

  it('rejects mixed dtypes and short arrays at the C boundary', () => {
    const f32 = new Float32Array(4);
    const f64 = new Float64Array(4);
    assert.throws(() => addon.gemm(false, false, 2, 2, 2, 1, f32, f64, 0, f32), /share a dtype/);
    assert.throws(() => addon.gemm(false, false, 3, 3, 3, 1, f64, f64, 0, f64), /needs 9/);
    assert.throws(() => addon.syevd(0, f64, f64), /dimension/);
    assert.equal(addon.firstNonFinite(Float64Array.of(1, 2, Number.NaN, Number.POSITIVE_INFINITY)), 2);
    assert.equal(addon.firstNonFinite(Float32Array.of(1, Number.NEGATIVE_INFINITY)), 1);
    assert.equal(addon.firstNonFinite(new Float32Array(10_000)), -1);
    const big = new Float64Array(10_000);
    big[9_000] = Number.NaN;
    assert.equal(addon.firstNonFinite(big), 9_000);
    // firstAsymmetric: flat index (i > j) of |a_ij − a_ji| > tol; maxAbs: max |a|.
    const S = Float64Array.of(1, 2, 3, 2, 5, 6, 3, 6.5, -9);
    assert.equal(addon.firstAsymmetric(3, S, 0.09), 7);
    assert.equal(addon.firstAsymmetric(3, S, 0.9), -1);
    assert.equal(addon.maxAbs(S), 9);
    assert.equal(addon.maxAbs(Float32Array.of(-2.5, 1)), 2.5);
    assert.throws(() => addon.firstAsymmetric(4, S, 0.1), /needs 16/);
  });
});
