/** BIDS label tables (`index<TAB>name` .tsv next to a dseg): index → name; a missing file gives an empty map. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export async function readLabelTable(path: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (!existsSync(path)) return out;
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/).filter(Boolean);
  const head = (lines[0] ?? '').split('\t');
  const ii = Math.max(0, head.indexOf('index'));
  const ni = head.indexOf('name') < 0 ? 1 : head.indexOf('name');
  for (const line of lines.slice(1)) {
    const cols = line.split('\t');
    const k = Number(cols[ii]);
    if (Number.isInteger(k)) out.set(k, cols[ni] ?? String(k));
  }
  return out;
}
