/**
 * FFTs of any length. Powers of two go straight to `fft.js` (radix-4, the
 * fastest maintained pure-JS FFT); other lengths use Bluestein's chirp-z
 * algorithm on top of it (O(n log n), about 3–4× slower than the next power of
 * two), so an n_fft such as 400 or 1000 is exact rather than rounded.
 * All arithmetic is float64.
 */
import FFT from 'fft.js';
import { UserError } from '../util/errors.js';

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function checkLength(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 26) {
    throw new UserError(`FFT length must be an integer in 1–${2 ** 26}, got ${n}`, { field: 'nFft' });
  }
}

/** Complex DFT of length n: X_k = Σ_t x_t e^{−2πi kt/n} (no scaling; `inverse` divides by n). */
export class ComplexFFT {
  readonly n: number;
  private readonly pow2: FFT | null;
  private readonly bluestein: {
    m: FFT;
    chirpRe: Float64Array;
    chirpIm: Float64Array;
    kernel: number[];
    a: number[];
    A: number[];
  } | null;
  private readonly bufIn: number[];
  private readonly bufOut: number[];

  constructor(n: number) {
    checkLength(n);
    this.n = n;
    if (n === 1) {
      this.pow2 = null;
      this.bluestein = null;
      this.bufIn = [];
      this.bufOut = [];
      return;
    }
    if (isPowerOfTwo(n)) {
      this.pow2 = new FFT(n);
      this.bluestein = null;
      this.bufIn = this.pow2.createComplexArray();
      this.bufOut = this.pow2.createComplexArray();
      return;
    }
    this.pow2 = null;
    const m = nextPowerOfTwo(2 * n - 1);
    const f = new FFT(m);
    const chirpRe = new Float64Array(n);
    const chirpIm = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // k² mod 2n keeps the angle exact for large k.
      const ang = (Math.PI * ((k * k) % (2 * n))) / n;
      chirpRe[k] = Math.cos(ang);
      chirpIm[k] = -Math.sin(ang);
    }
    const b = f.createComplexArray();
    for (let k = 0; k < n; k++) {
      b[2 * k] = chirpRe[k] as number;
      b[2 * k + 1] = -(chirpIm[k] as number);
      if (k > 0) {
        b[2 * (m - k)] = chirpRe[k] as number;
        b[2 * (m - k) + 1] = -(chirpIm[k] as number);
      }
    }
    const kernel = f.createComplexArray();
    f.transform(kernel, b);
    this.bluestein = { m: f, chirpRe, chirpIm, kernel, a: f.createComplexArray(), A: f.createComplexArray() };
    this.bufIn = [];
    this.bufOut = [];
  }

  /** In place forward transform of (re, im), both length n. */
  forward(re: Float64Array, im: Float64Array): void {
    const n = this.n;
    if (n === 1) return;
    if (this.pow2) {
      const bi = this.bufIn;
      for (let k = 0; k < n; k++) {
        bi[2 * k] = re[k] as number;
        bi[2 * k + 1] = im[k] as number;
      }
      this.pow2.transform(this.bufOut, bi);
      const bo = this.bufOut;
      for (let k = 0; k < n; k++) {
        re[k] = bo[2 * k] as number;
        im[k] = bo[2 * k + 1] as number;
      }
      return;
    }
    const bs = this.bluestein!;
    const { m, chirpRe, chirpIm, kernel, a, A } = bs;
    const size = m.size;
    a.fill(0);
    for (let k = 0; k < n; k++) {
      const xr = re[k] as number;
      const xi = im[k] as number;
      const cr = chirpRe[k] as number;
      const ci = chirpIm[k] as number;
      a[2 * k] = xr * cr - xi * ci;
      a[2 * k + 1] = xr * ci + xi * cr;
    }
    m.transform(A, a);
    for (let k = 0; k < size; k++) {
      const ar = A[2 * k] as number;
      const ai = A[2 * k + 1] as number;
      const kr = kernel[2 * k] as number;
      const ki = kernel[2 * k + 1] as number;
      A[2 * k] = ar * kr - ai * ki;
      A[2 * k + 1] = ar * ki + ai * kr;
    }
    m.inverseTransform(a, A);
    for (let k = 0; k < n; k++) {
      const cr = a[2 * k] as number;
      const ci = a[2 * k + 1] as number;
      const wr = chirpRe[k] as number;
      const wi = chirpIm[k] as number;
      re[k] = cr * wr - ci * wi;
      im[k] = cr * wi + ci * wr;
    }
  }

  /** In place inverse transform (divides by n). */
  inverse(re: Float64Array, im: Float64Array): void {
    for (let k = 0; k < this.n; k++) im[k] = -(im[k] as number);
    this.forward(re, im);
    const s = 1 / this.n;
    for (let k = 0; k < this.n; k++) {
      re[k] = (re[k] as number) * s;
      im[k] = -(im[k] as number) * s;
    }
  }
}

/** Real-input DFT of length n, returning bins 0..⌊n/2⌋. */
export class RealFFT {
  readonly n: number;
  readonly nBins: number;
  private readonly pow2: FFT | null;
  private readonly complex: ComplexFFT | null;
  private readonly out: number[];
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(n: number) {
    checkLength(n);
    this.n = n;
    this.nBins = Math.floor(n / 2) + 1;
    if (isPowerOfTwo(n) && n >= 4) {
      this.pow2 = new FFT(n);
      this.complex = null;
      this.out = this.pow2.createComplexArray();
      this.re = new Float64Array(0);
      this.im = new Float64Array(0);
    } else {
      this.pow2 = null;
      this.complex = new ComplexFFT(n);
      this.out = [];
      this.re = new Float64Array(n);
      this.im = new Float64Array(n);
    }
  }

  /** x: n real samples → re, im: nBins each. */
  forward(x: Float64Array, re: Float64Array, im: Float64Array): void {
    const nb = this.nBins;
    if (this.pow2) {
      this.pow2.realTransform(this.out, x);
      const o = this.out;
      for (let k = 0; k < nb; k++) {
        re[k] = o[2 * k] as number;
        im[k] = o[2 * k + 1] as number;
      }
      return;
    }
    this.re.set(x);
    this.im.fill(0);
    this.complex!.forward(this.re, this.im);
    for (let k = 0; k < nb; k++) {
      re[k] = this.re[k] as number;
      im[k] = this.im[k] as number;
    }
  }

  /** x: n real samples → |X_k|² into power (nBins). */
  power(x: Float64Array, power: Float64Array): void {
    const nb = this.nBins;
    if (this.pow2) {
      this.pow2.realTransform(this.out, x);
      const o = this.out;
      for (let k = 0; k < nb; k++) {
        const a = o[2 * k] as number;
        const b = o[2 * k + 1] as number;
        power[k] = a * a + b * b;
      }
      return;
    }
    this.re.set(x);
    this.im.fill(0);
    this.complex!.forward(this.re, this.im);
    for (let k = 0; k < nb; k++) {
      const a = this.re[k] as number;
      const b = this.im[k] as number;
      power[k] = a * a + b * b;
    }
  }
}
