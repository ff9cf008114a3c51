/**
 * PNG images made in Node (pngjs) and the colour maps they use. Colour maps are
 * piecewise-linear through published anchor colours (matplotlib's viridis and
 * inferno at eleven points), close enough for display; a value outside [0, 1]
 * is clamped.
 */
import { PNG } from 'pngjs';

export type Rgb = readonly [number, number, number];

const ANCHORS: Record<string, readonly Rgb[]> = {
  viridis: [
    [68, 1, 84],
    [72, 36, 117],
    [65, 68, 135],
    [53, 95, 141],
    [42, 120, 142],
    [33, 145, 140],
    [34, 168, 132],
    [68, 191, 112],
    [122, 209, 81],
    [189, 223, 38],
    [253, 231, 37],
  ],
  inferno: [
    [0, 0, 4],
    [22, 11, 57],
    [66, 10, 104],
    [106, 23, 110],
    [147, 38, 103],
    [188, 55, 84],
    [221, 81, 58],
    [243, 120, 25],
    [252, 165, 10],
    [246, 215, 70],
    [252, 255, 164],
  ],
  hot: [
    [128, 0, 0],
    [255, 0, 0],
    [255, 128, 0],
    [255, 255, 0],
    [255, 255, 255],
  ],
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
};

export const COLORMAPS = Object.keys(ANCHORS);

/** Tableau 10: distinct colours for categories (preferred feature space, genres). */
export const CATEGORICAL: readonly Rgb[] = [
  [78, 121, 167],
  [242, 142, 43],
  [225, 87, 89],
  [118, 183, 178],
  [89, 161, 79],
  [237, 201, 72],
  [176, 122, 161],
  [255, 157, 167],
  [156, 117, 95],
  [186, 176, 172],
];

/** Colour of t ∈ [0, 1] in the named map. */
export function colormap(name: string, t: number): Rgb {
  const a = ANCHORS[name] ?? (ANCHORS.viridis as readonly Rgb[]);
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (a.length - 1);
  const i = Math.min(a.length - 2, Math.floor(x));
  const f = x - i;
  const p = a[i] as Rgb;
  const q = a[i + 1] as Rgb;
  return [
    Math.round(p[0] + f * (q[0] - p[0])),
    Math.round(p[1] + f * (q[1] - p[1])),
    Math.round(p[2] + f * (q[2] - p[2])),
  ];
}

/** CSS hex of a colour. */
export function hex(c: Rgb): string {
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** An RGBA canvas: width × height × 4 bytes, row-major from the top. */
export class Raster {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 4);
  }
  set(x: number, y: number, c: Rgb, alpha = 255): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 4;
    this.data[o] = c[0];
    this.data[o + 1] = c[1];
    this.data[o + 2] = c[2];
    this.data[o + 3] = alpha;
  }
  /** PNG bytes (deflate level 9: these images are small and written once). */
  toPng(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    png.data = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    return PNG.sync.write(png, { deflateLevel: 9 });
  }
}
