/**
 * Spectrogram pictures of audio files: log-power mel spectrogram (librosa's
 * definition, `src/audio/mel.ts`), 64 bands, dB relative to the loudest bin with
 * an 80-dB floor, low frequencies at the bottom, inferno colours; columns are
 * averaged down to at most `maxWidth` pixels so a 15-s clip stays a small PNG.
 */

import { powerToDb } from '../audio/db.js';
import { loadAudio } from '../audio/decode.js';
import { melSpectrogram } from '../audio/mel.js';
import { colormap, Raster } from './png.js';

export interface SpectrogramOptions {
  nMels?: number;
  maxWidth?: number;
  /** Pixel rows per mel band. */
  rowScale?: number;
}

/** PNG bytes of the mel spectrogram of an audio file. */
export async function spectrogramPng(audioPath: string, opts: SpectrogramOptions = {}): Promise<Buffer> {
  const nMels = opts.nMels ?? 64;
  const maxWidth = opts.maxWidth ?? 240;
  const rowScale = opts.rowScale ?? 1;
  const { samples, sampleRate } = await loadAudio(audioPath);
  const nFft = sampleRate >= 32000 ? 2048 : 1024;
  const S = melSpectrogram(samples, sampleRate, { nFft, hop: nFft / 4, nMels });
  const db = powerToDb(S.data, { ref: 'max', topDb: 80 });
  const frames = S.cols;
  const width = Math.max(1, Math.min(maxWidth, frames));
  const img = new Raster(width, nMels * rowScale);
  for (let x = 0; x < width; x++) {
    const f0 = Math.floor((x * frames) / width);
    const f1 = Math.max(f0 + 1, Math.floor(((x + 1) * frames) / width));
    for (let m = 0; m < nMels; m++) {
      let acc = 0;
      for (let f = f0; f < f1; f++) acc += db[m * frames + f] as number;
      const v = acc / (f1 - f0);
      // dB in [max − 80, max] with max = 0 after ref='max'.
      const c = colormap('inferno', (v + 80) / 80);
      for (let r = 0; r < rowScale; r++) img.set(x, (nMels - 1 - m) * rowScale + r, c);
    }
  }
  return img.toPng();
}
