/**
 * A run folder: everything one `b2m run` writes. It is claimed with a marker file
 * (`.b2m-run.json`) before anything else is written; a folder that holds files but
 * no marker belongs to someone else and is refused untouched. An output that
 * equals, contains or lies inside one of the run's inputs is refused too.
 *
 * Layout (documented in the README):
 *   config.json      the resolved configuration
 *   manifest.json    versions, input hashes, per-stage timings and peak memory, machine
 *   metrics.json     every metric with its chance level (schema: src/evaluate/metrics-schema.ts)
 *   predictions/sub-XXX/<decoder>/{pred_test,true_test}.npy + clips.csv
 *   audio/…          original, retrieved and generated excerpts
 *   stages/<stage>/<key>/   the stage cache (complete folders only)
 */
import { existsSync, lstatSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { assertApartFromInputs } from '../util/output-guard.js';
import { VERSION } from '../version.js';
import { StageStore } from './stage.js';

export const RUN_MARKER = '.b2m-run.json';

export interface RunMarker {
  tool: 'brain2music';
  kind: 'run';
  version: string;
  createdAt: string;
}

/**
 * Refuses an output path that equals, contains or lies inside any input.
 * `inputs`: name → path (e.g. `--dataset` → root). The output guard's rule, shared
 * with every other writing command.
 */
export function assertOutputApartFromInputs(out: string, inputs: Record<string, string | undefined>): void {
  assertApartFromInputs(out, inputs);
}

export class RunFolder {
  readonly stages: StageStore;

  private constructor(readonly root: string) {
    this.stages = new StageStore(join(root, 'stages'));
  }

  /** Throws what `claim` would throw, without writing anything. */
  static async check(root: string, inputs: Record<string, string | undefined> = {}): Promise<void> {
    const abs = resolve(root);
    assertOutputApartFromInputs(abs, inputs);
    if (!existsSync(abs)) return;
    await RunFolder.validateExisting(abs);
  }

  /** An existing path is usable only as an empty folder or one of our runs. */
  private static async validateExisting(abs: string): Promise<boolean> {
    const st = lstatSync(abs);
    if (!st.isDirectory()) {
      throw new UserError('the output path exists and is not a folder', {
        file: abs,
        field: '--out',
        hint: 'choose a new folder name for the run',
      });
    }
    const entries = await readdir(abs);
    if (entries.length > 0 && !entries.includes(RUN_MARKER)) {
      const shown =
        entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, … (${entries.length} in all)` : '');
      throw new UserError(`the output folder holds files that are not from a b2m run (${shown})`, {
        file: abs,
        field: '--out',
        hint: 'choose a new or empty folder; nothing in this one was touched',
      });
    }
    if (!entries.includes(RUN_MARKER)) return false;
    let m: Partial<RunMarker> = {};
    try {
      m = JSON.parse(await readFile(join(abs, RUN_MARKER), 'utf8')) as Partial<RunMarker>;
    } catch {}
    if (m.tool !== 'brain2music' || m.kind !== 'run') {
      throw new UserError(`${RUN_MARKER} in the output folder was not written by b2m run`, {
        file: join(abs, RUN_MARKER),
        hint: 'choose a new or empty folder',
      });
    }
    return true;
  }

  /**
   * Opens `root` for writing: creates it (with the marker) when missing or empty,
   * resumes it when it carries our marker, refuses it otherwise.
   */
  static async claim(root: string, inputs: Record<string, string | undefined> = {}): Promise<RunFolder> {
    const abs = resolve(root);
    assertOutputApartFromInputs(abs, inputs);
    if (existsSync(abs) && (await RunFolder.validateExisting(abs))) return new RunFolder(abs);
    await mkdir(abs, { recursive: true });
    const marker: RunMarker = {
      tool: 'brain2music',
      kind: 'run',
      version: VERSION,
      createdAt: new Date().toISOString(),
    };
    await writeFile(join(abs, RUN_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    return new RunFolder(abs);
  }

  /** Opens an existing run folder for reading (report, studio, status). */
  static async open(root: string): Promise<RunFolder> {
    const abs = resolve(root);
    if (!existsSync(join(abs, RUN_MARKER))) {
      throw new UserError('not a b2m run folder (no .b2m-run.json)', {
        file: abs,
        hint: 'point at the --out folder of a b2m run',
      });
    }
    return new RunFolder(abs);
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  /** Folder of one subject × decoder's predictions. */
  predictionsDir(subject: string, decoder: string): string {
    return this.path('predictions', subject, decoder);
  }
}
