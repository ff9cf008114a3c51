/**
 * Portable thin SVD by one-sided Jacobi (Hestenes): rotate pairs of columns of A
 * until all are mutually orthogonal; their norms are the singular values. Slow
 * (O(sweeps · m · n²)) but simple and accurate, in float64.
 */
import type { FloatArray } from '../matrix.js';

const MAX_SWEEPS = 80;

/** Thin SVD of A (m × n): s (k, descending), U (m × k), Vt (k × n), k = min(m, n). Returns 0 or 1. */
export function svd(
  m: number,
  n: number,
  A: FloatArray,
  s: FloatArray,
  U: FloatArray,
  Vt: FloatArray,
): number {
  if (m >= n) return tallSvd(m, n, A, s, U, Vt, false);
  // Wide: SVD of Aᵀ (n × m) = U'·S·V'ᵀ gives A = V'·S·U'ᵀ.
  const At = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) At[j * m + i] = A[i * n + j] as number;
  return tallSvd(n, m, At, s, Vt, U, true);
}

/** SVD of a tall m × n matrix (m ≥ n); see the layout note at the end for `swap`. */
function tallSvd(
  m: number,
  n: number,
  A: FloatArray,
  s: FloatArray,
  Uout: FloatArray,
  Vout: FloatArray,
  swap: boolean,
): number {
  // G: column j of A as row j (n × m), so rotations touch contiguous memory.
  const G = new Float64Array(n * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) G[j * m + i] = A[i * n + j] as number;
  // Vr: row j = column j of V (n × n), starts as identity.
  const Vr = new Float64Array(n * n);
  for (let j = 0; j < n; j++) Vr[j * n + j] = 1;
  const tol = 1e-15;
  let converged = false;
  for (let sweep = 0; sweep < MAX_SWEEPS && !converged; sweep++) {
    converged = true;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const gp = p * m;
        const gq = q * m;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = G[gp + i] as number;
          const y = G[gq + i] as number;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        converged = false;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = c * t;
        for (let i = 0; i < m; i++) {
          const x = G[gp + i] as number;
          const y = G[gq + i] as number;
          G[gp + i] = c * x - sn * y;
          G[gq + i] = sn * x + c * y;
        }
        const vp = p * n;
        const vq = q * n;
        for (let i = 0; i < n; i++) {
          const x = Vr[vp + i] as number;
          const y = Vr[vq + i] as number;
          Vr[vp + i] = c * x - sn * y;
          Vr[vq + i] = sn * x + c * y;
        }
      }
    }
  }
  if (!converged) return 1;
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let ss = 0;
    for (let i = 0; i < m; i++) ss += (G[j * m + i] as number) ** 2;
    norms[j] = Math.sqrt(ss);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort(
    (x, y) => (norms[y] as number) - (norms[x] as number),
  );
  // Unit left vectors (rows of Ur, n × m); null directions completed below.
  const Ur = new Float64Array(n * m);
  const sMax = norms[order[0] as number] as number;
  const small = Math.max(sMax * m * 2 ** -52, Number.MIN_VALUE);
  const missing: number[] = [];
  for (let c = 0; c < n; c++) {
    const j = order[c] as number;
    const nj = norms[j] as number;
    s[c] = nj;
    if (nj <= small) {
      missing.push(c);
      continue;
    }
    for (let i = 0; i < m; i++) Ur[c * m + i] = (G[j * m + i] as number) / nj;
  }
  completeOrthonormal(Ur, n, m, missing);
  // Unswapped: U (m × n) and Vt (n × n). Swapped (we factored Aᵀ = U'·S·V'ᵀ): the caller's
  // Vt = U'ᵀ arrives in `Uout` (n × m) and the caller's U = V' in `Vout` (n × n).
  for (let c = 0; c < n; c++) {
    const j = order[c] as number;
    for (let i = 0; i < m; i++) {
      if (swap) Uout[c * m + i] = Ur[c * m + i] as number;
      else Uout[i * n + c] = Ur[c * m + i] as number;
    }
    for (let i = 0; i < n; i++) {
      if (swap) Vout[i * n + c] = Vr[j * n + i] as number;
      else Vout[c * n + i] = Vr[j * n + i] as number;
    }
  }
  return 0;
}

/** Fills rows `missing` of Q (r × len) with unit vectors orthogonal to every other row (Gram–Schmidt on e_i). */
function completeOrthonormal(Q: Float64Array, r: number, len: number, missing: number[]): void {
  if (missing.length === 0) return;
  const isMissing = new Set(missing);
  const filled = Array.from({ length: r }, (_, c) => c).filter((c) => !isMissing.has(c));
  let basis = 0;
  for (const c of missing) {
    for (; basis < len; basis++) {
      const v = new Float64Array(len);
      v[basis] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (const f of filled) {
          let dot = 0;
          for (let i = 0; i < len; i++) dot += (Q[f * len + i] as number) * (v[i] as number);
          for (let i = 0; i < len; i++) v[i] = (v[i] as number) - dot * (Q[f * len + i] as number);
        }
      }
      let nv = 0;
      for (let i = 0; i < len; i++) nv += (v[i] as number) ** 2;
      nv = Math.sqrt(nv);
      if (nv > 0.5) {
        for (let i = 0; i < len; i++) Q[c * len + i] = (v[i] as number) / nv;
        filled.push(c);
        basis++;
        break;
      }
    }
  }
}
