/**
 * The design as a JSON file (what `b2m dataset design` writes and `b2m stimuli
 * --design` reads): pretty-printed, written atomically, and checked on the way in
 * so a hand-edited or truncated file fails with the field at fault, not later.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import type { Design } from './design.js';

const SplitSchema = z.enum(['train', 'test']);

const EventSchema = z.object({
  clipId: z.string(),
  onset: z.number(),
  duration: z.number(),
  onsetScan: z.number(),
  repetition: z.number().int().min(0),
  line: z.number().int(),
});

const DesignSchema = z.object({
  tr: z.number().positive(),
  subjects: z.array(z.string()),
  clips: z.array(
    z.object({
      id: z.string().min(1),
      genre: z.string(),
      track: z.number().int(),
      start: z.number(),
      end: z.number(),
      split: SplitSchema,
    }),
  ),
  runs: z.array(
    z.object({
      key: z.string(),
      task: z.string(),
      run: z.number().int().nullable(),
      split: SplitSchema,
      events: z.array(EventSchema),
      dropped: z.array(EventSchema),
      nScansNeeded: z.number().int().min(0),
      eventsFile: z.string(),
    }),
  ),
  presentations: z.record(
    z.string(),
    z.array(z.object({ run: z.number().int().min(0), event: z.number().int().min(0) })),
  ),
  counts: z.object({
    trainClips: z.number().int().min(0),
    testClips: z.number().int().min(0),
    testRepetitions: z.number().int().min(0),
    perGenre: z.array(z.object({ genre: z.string(), train: z.number().int(), test: z.number().int() })),
  }),
  identicalAcrossSubjects: z.boolean(),
  notes: z.array(z.string()),
});

/** Writes `design` as pretty JSON, atomically. */
export async function writeDesignJson(path: string, design: Design): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(design, null, 2)}\n`);
}

const HINT = 'write one with `b2m dataset design ROOT -o design.json`';

/** Parses and checks a design JSON (text already read); `file` labels errors. */
export function parseDesignJson(text: string, file?: string): Design {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`cannot read the design JSON: ${(e as Error).message}`, {
      file,
      hint: HINT,
      cause: e,
    });
  }
  const r = DesignSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0] as z.core.$ZodIssue;
    const field = issue.path.map(String).join('.') || undefined;
    throw new UserError(`not a design JSON: ${issue.message}`, { file, field, hint: HINT });
  }
  const design = r.data as Design;
  const ids = new Set(design.clips.map((c) => c.id));
  for (const [i, run] of design.runs.entries()) {
    for (const [j, ev] of run.events.entries()) {
      if (!ids.has(ev.clipId)) {
        throw new UserError(`event names clip ${ev.clipId}, which is not in "clips"`, {
          file,
          field: `runs.${i}.events.${j}.clipId`,
          hint: HINT,
        });
      }
    }
  }
  return design;
}

/** Reads a design JSON written by `writeDesignJson` (or `b2m dataset design`). */
export async function readDesignJson(path: string): Promise<Design> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the design JSON: ${(e as Error).message}`, {
      file: path,
      hint: HINT,
      cause: e,
    });
  }
  return parseDesignJson(text, path);
}
