/** Worker task of the report's spectrograms: one audio file → PNG bytes; the caller writes them. */
import { spectrogramPng } from './spectrogram.js';

export default async function draw(audioPath: string): Promise<Uint8Array> {
  return new Uint8Array(await spectrogramPng(audioPath));
}
