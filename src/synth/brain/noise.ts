/**
 * Noise building blocks: AR(1) processes with unit marginal variance, discrete
 * cosine drift regressors, and the scan indices of head-motion spikes.
 */
import type { Rng } from '../../util/rng.js';

/**
 * Advances AR(1) states in place: e ← φ·e + √(1−φ²)·ξ, ξ ~ N(0,1), so each state keeps
 * unit variance (states start from a unit-variance draw, see `initAr1`).
 */
export function stepAr1(
  state: Float32Array | Float64Array,
  phi: number,
  rng: Rng,
  scratch?: Float64Array,
): void {
  const w = Math.sqrt(1 - phi * phi);
  const xi = fillNormalFast(
    rng,
    scratch && scratch.length >= state.length
      ? scratch.subarray(0, state.length)
      : new Float64Array(state.length),
  );
  for (let i = 0; i < state.length; i++) state[i] = phi * (state[i] as number) + w * (xi[i] as number);
}

const TWO_PI = 2 * Math.PI;
const INV_2_32 = 1 / 4294967296;

/**
 * xoshiro128** over an Int32Array state (no boxed numbers, so ~10× faster than
 * `Rng.nextU32` in a hot loop), seeded from a `Rng`. One per `Rng`, kept in a
 * WeakMap so the stream continues across calls.
 */
class FastU32 {
  private readonly s = new Int32Array(4);
  constructor(rng: Rng) {
    for (let i = 0; i < 4; i++) this.s[i] = rng.nextU32() | 0;
    if (this.s[0] === 0 && this.s[1] === 0 && this.s[2] === 0 && this.s[3] === 0) this.s[0] = 1;
  }
  next(): number {
    const s = this.s;
    const s1 = s[1] as number;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s[2] = (s[2] as number) ^ (s[0] as number);
    s[3] = (s[3] as number) ^ s1;
    s[1] = s1 ^ (s[2] as number);
    s[0] = (s[0] as number) ^ (s[3] as number);
    s[2] = (s[2] as number) ^ t;
    s[3] = rotl(s[3] as number, 11);
    return r;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const FAST = new WeakMap<Rng, FastU32>();

function fastOf(rng: Rng): FastU32 {
  let f = FAST.get(rng);
  if (!f) {
    f = new FastU32(rng);
    FAST.set(rng, f);
  }
  return f;
}

/**
 * Standard normals by the Box–Muller transform (two per pair of 32-bit draws) from
 * a fast generator seeded by `rng`: deterministic for a given `rng`, and fast
 * enough for the ~10⁹ draws of a full-grid subject.
 */
export function fillNormalFast<T extends Float32Array | Float64Array>(rng: Rng, out: T): T {
  const g = fastOf(rng);
  const n = out.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const u1 = (g.next() + 0.5) * INV_2_32;
    const u2 = g.next() * INV_2_32;
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(TWO_PI * u2);
    out[i + 1] = r * Math.sin(TWO_PI * u2);
  }
  if (i < n) {
    const u1 = (g.next() + 0.5) * INV_2_32;
    out[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(TWO_PI * g.next() * INV_2_32);
  }
  return out;
}

/** Fills AR(1) states with their stationary distribution, N(0, 1). */
export function initAr1<T extends Float32Array | Float64Array>(state: T, rng: Rng): T {
  return fillNormalFast(rng, state);
}

/** DCT-II drift regressors over a run: cos(π·j·(t+½)/n), j = 1..order; returns order × n (row-major). */
export function cosineDrift(n: number, order: number): Float64Array {
  const out = new Float64Array(order * n);
  for (let j = 1; j <= order; j++) {
    for (let t = 0; t < n; t++) out[(j - 1) * n + t] = Math.cos((Math.PI * j * (t + 0.5)) / n);
  }
  return out;
}

/** Scans hit by a head-motion spike: each scan independently with probability `rate` (never scan 0). */
export function motionSpikes(n: number, rate: number, rng: Rng): number[] {
  const out: number[] = [];
  for (let t = 1; t < n; t++) if (rng.chance(rate)) out.push(t);
  return out;
}
