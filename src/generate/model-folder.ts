/**
 * Checks a neural generator's local model folder before anything loads it: every
 * missing file is listed at once, and every ONNX file is walked at the top level of
 * its protobuf (tags and lengths only, with positional reads, so a 1.5-GB decoder
 * costs a few reads), which catches empty, truncated and non-ONNX files with the
 * file named. It does not run the model: a structurally sound file with wrong
 * weights is the loader's to find.
 *
 * The file list is the transformers.js layout of a MusicGen export (see
 * docs/generation.md); the `musicgen` generator and the run-config check use it.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';

const DOCS_HINT = 'see docs/generation.md ("Neural generators") for the files and how to obtain them';

/** Files of a transformers.js MusicGen folder (fp32 weights). */
export const MUSICGEN_FILES: readonly string[] = [
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/text_encoder.onnx',
  'onnx/decoder_model_merged.onnx',
  'onnx/encodec_decode.onnx',
];

/** ModelProto fields (onnx.proto): anything else at the top level means the file is not an ONNX model. */
const MODEL_FIELDS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 21, 25]);

/** Why `path` is not a structurally sound ONNX model, or null when it is. */
export async function onnxProblem(path: string): Promise<string | null> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size === 0) return 'the file is empty';
    const buf = Buffer.alloc(10);
    let pos = 0;
    let sawGraph = false;
    const varint = async (): Promise<number | null> => {
      const { bytesRead } = await fh.read(buf, 0, Math.min(10, size - pos), pos);
      let v = 0;
      let mul = 1;
      for (let i = 0; i < bytesRead; i++) {
        const b = buf[i] as number;
        v += (b & 0x7f) * mul;
        mul *= 128;
        if (!(b & 0x80)) {
          pos += i + 1;
          return v;
        }
      }
      return null;
    };
    while (pos < size) {
      const tag = await varint();
      if (tag === null) return `unreadable field header at byte ${pos}`;
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      if (!MODEL_FIELDS.has(field)) return `field ${field} at byte ${pos} is not part of an ONNX model`;
      if (wire === 0) {
        if ((await varint()) === null) return `unreadable value at byte ${pos}`;
      } else if (wire === 2) {
        const len = await varint();
        if (len === null) return `unreadable length at byte ${pos}`;
        if (pos + len > size)
          return `truncated: a field of ${len} bytes at byte ${pos} runs past the end (${size} bytes)`;
        if (field === 7) sawGraph = true;
        pos += len;
      } else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else return `wire type ${wire} at byte ${pos} is not valid protobuf`;
    }
    if (pos !== size) return 'truncated inside the last field';
    return sawGraph ? null : 'no graph in the model';
  } finally {
    await fh.close();
  }
}

/** Checks `dir` holds every file in `files`; ONNX files must be sound. Throws one UserError listing all problems. */
export async function checkModelFolder(dir: string, files: readonly string[], what: string): Promise<void> {
  const missing: string[] = [];
  const corrupt: string[] = [];
  for (const f of files) {
    const p = join(dir, f);
    const ok = await stat(p).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!ok) {
      missing.push(f);
      continue;
    }
    if (f.endsWith('.onnx')) {
      const why = await onnxProblem(p);
      if (why) corrupt.push(`${f} (${why})`);
    }
  }
  if (missing.length || corrupt.length) {
    const parts = [
      missing.length ? `missing: ${missing.join(', ')}` : '',
      corrupt.length ? `corrupt: ${corrupt.join('; ')}` : '',
    ].filter(Boolean);
    throw new UserError(`the ${what} model folder is incomplete (${parts.join('; ')})`, {
      file: dir,
      field: 'generate.modelDir',
      hint: DOCS_HINT,
    });
  }
}
