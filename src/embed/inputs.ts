/**
 * Reading what the user points at: audio paths (files, folders, list files) and
 * caption files. Plain text is one item per line; .csv/.tsv need a header with a
 * `path`/`file` (audio) or `caption`/`text` (captions) column. Relative paths in a
 * list resolve against the list's own folder.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';

export const AUDIO_EXTENSIONS = ['.wav', '.mp3', '.ogg', '.oga', '.opus', '.flac', '.au'];

/** Files as given; folders expand to their audio files (sorted, not recursive). */
export async function expandAudioPaths(items: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of items) {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(p);
    } catch {
      throw new UserError('audio path does not exist', {
        file: p,
        hint: 'check the path (files or folders)',
      });
    }
    if (st.isDirectory()) {
      const names = (await readdir(p))
        .filter((n) => AUDIO_EXTENSIONS.includes(extname(n).toLowerCase()))
        .sort();
      if (names.length === 0) {
        throw new UserError('folder holds no audio files', {
          file: p,
          hint: `audio files end in ${AUDIO_EXTENSIONS.join(', ')}`,
        });
      }
      out.push(...names.map((n) => join(p, n)));
    } else out.push(p);
  }
  return out;
}

/** Splits one CSV/TSV line (double quotes may wrap fields; "" is a quote). */
export function splitDelimited(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

interface Table {
  /** Values of the chosen column, with their 1-based line numbers. */
  values: { value: string; line: number }[];
}

async function readColumn(file: string, columns: string[], what: string): Promise<Table> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the ${what} file: ${(e as Error).message}`, { file, cause: e });
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const ext = extname(file).toLowerCase();
  const values: Table['values'] = [];
  if (ext === '.csv' || ext === '.tsv') {
    const sep = ext === '.csv' ? ',' : '\t';
    const header = splitDelimited(lines[0] ?? '', sep).map((h) => h.trim().toLowerCase());
    const col = header.findIndex((h) => columns.includes(h));
    if (col < 0) {
      throw new UserError(`no ${columns.map((c) => `"${c}"`).join(' or ')} column in the header`, {
        file,
        line: 1,
        hint: `add a header line naming the ${what} column, or use a .txt file with one ${what} per line`,
      });
    }
    lines.slice(1).forEach((l, k) => {
      if (l.trim() === '') return;
      const cells = splitDelimited(l, sep);
      if (cells.length <= col) {
        throw new UserError(`row has ${cells.length} fields, the ${header[col]} column is field ${col + 1}`, {
          file,
          line: k + 2,
          column: header[col],
        });
      }
      values.push({ value: cells[col] as string, line: k + 2 });
    });
  } else {
    lines.forEach((l, k) => {
      if (l.trim() !== '') values.push({ value: l.trim(), line: k + 1 });
    });
  }
  if (values.length === 0) throw new UserError(`the ${what} file lists nothing`, { file });
  return { values };
}

/** Audio paths from a list file (txt: one per line; csv/tsv: a path or file column). */
export async function readAudioList(file: string): Promise<string[]> {
  const { values } = await readColumn(file, ['path', 'file', 'audio', 'filename'], 'audio path');
  return values.map((v) => resolve(dirname(file), v.value));
}

/** Captions in file order (txt: one per line; csv/tsv: a caption or text column). */
export async function readCaptions(file: string): Promise<string[]> {
  const { values } = await readColumn(file, ['caption', 'text', 'description'], 'caption');
  return values.map((v) => v.value);
}
