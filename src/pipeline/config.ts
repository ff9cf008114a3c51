/**
 * The run configuration: one schema (zod) gives the types, the defaults (the
 * paper's) and the error paths. A config file is YAML or JSON; `--set a.b=v`
 * overrides single keys. An unknown key or a bad value is a `UserError` naming its
 * path (`decode.cvFolds`) and, for unknown keys, the nearest valid key.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DecodeConfigSchema } from '../decode/config.js';
import { EncodeConfigSchema } from '../encode/config.js';
import { EvaluateConfigSchema } from '../evaluate/config.js';
import { GenerateConfigSchema } from '../generate/config.js';
import { ReportConfigSchema } from '../report/config.js';
import { RetrievalConfigSchema } from '../retrieve/config.js';
import { UserError } from '../util/errors.js';
import { nearestNames } from '../util/nearest.js';

export const RunConfigSchema = z.strictObject({
  /** BIDS root (raw, or with fMRIPrep derivatives). Default: the built-in twin. */
  dataset: z.string().optional(),
  /** Folder of the stimulus audio (`<clipId>.wav`, as `b2m stimuli` writes); default `<dataset>/stimuli`. */
  stimuli: z.string().optional(),
  /** Subjects (`sub-001` or `001`); default all subjects of the dataset. */
  subjects: z.array(z.string()).optional(),
  /** Seed of every random choice (permutations, bootstrap, twin, generation). */
  seed: z.number().int().min(0).default(0),
  /** fMRIPrep space to read when several exist (e.g. `T1w`). */
  space: z.string().optional(),
  mask: z
    .strictObject({
      /** `cortex`: cortical labels of the Destrieux dseg; `brain`: the brain mask; `file`: `mask.file`. */
      kind: z.enum(['cortex', 'brain', 'file']).default('cortex'),
      file: z.string().optional(),
    })
    .default({ kind: 'cortex' }),
  embedder: z
    .strictObject({
      name: z.string().default('dsp'),
      /** Local weights folder for embedders that need one (CLAP). */
      modelDir: z.string().optional(),
      windowSeconds: z.number().positive().default(10),
      strideSeconds: z.number().positive().default(1.5),
    })
    .default({ name: 'dsp', windowSeconds: 10, strideSeconds: 1.5 }),
  preprocess: z
    .strictObject({
      /** Haemodynamic delay in scans (paper: none; open follow-ups: 3). */
      delayScans: z.number().int().min(0).default(3),
      /** Median-filter drift removal length (s). */
      detrendSeconds: z.number().positive().default(240),
      zscore: z.boolean().default(true),
    })
    .default({ delayScans: 3, detrendSeconds: 240, zscore: true }),
  decode: DecodeConfigSchema.default(DecodeConfigSchema.parse({})),
  evaluate: EvaluateConfigSchema.default(EvaluateConfigSchema.parse({})),
  retrieval: RetrievalConfigSchema.default(RetrievalConfigSchema.parse({})),
  generate: GenerateConfigSchema.default(GenerateConfigSchema.parse({})),
  encode: EncodeConfigSchema.default(EncodeConfigSchema.parse({})),
  report: ReportConfigSchema.default(ReportConfigSchema.parse({})),
});

export type RunConfig = z.infer<typeof RunConfigSchema>;
export type RunConfigInput = z.input<typeof RunConfigSchema>;

/** The schema object at a key path (for "nearest valid key" hints). */
function shapeAt(path: ReadonlyArray<PropertyKey>): string[] {
  let s: z.ZodType = RunConfigSchema;
  for (const k of path) {
    s = unwrap(s);
    if (s instanceof z.ZodObject) {
      const next = (s.shape as Record<string, z.ZodType>)[String(k)];
      if (!next) return [];
      s = next;
    } else if (s instanceof z.ZodRecord) {
      s = s.def.valueType as z.ZodType;
    } else if (s instanceof z.ZodArray) {
      s = s.element as z.ZodType;
    } else return [];
  }
  s = unwrap(s);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    if (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) {
      cur = cur.def.innerType as z.ZodType;
    } else break;
  }
  return cur;
}

function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** Validates `raw` (parsed YAML/JSON) into a full config; `source` names the file for messages. */
export function resolveConfig(raw: unknown, source = 'config'): RunConfig {
  const r = RunConfigSchema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const full = pathText([...issue.path, key]);
    const valid = shapeAt(issue.path);
    const near = nearestNames(key, valid);
    throw new UserError(`unknown key '${full}'`, {
      file: source,
      field: full,
      hint: near.length
        ? `did you mean '${pathText([...issue.path, near[0]!])}'? valid keys here: ${valid.join(', ')}`
        : `valid keys here: ${valid.join(', ')}`,
    });
  }
  const field = pathText(issue.path) || '(top level)';
  throw new UserError(`${field}: ${issue.message}`, {
    file: source,
    field,
    hint: 'fix the value (b2m run --print-config shows every key with its default)',
  });
}

/** Reads a YAML or JSON config file (JSON is YAML, so one parser serves both). */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the config file: ${(e as Error).message}`, {
      file: path,
      hint: 'check the path given to --config',
    });
  }
  try {
    return parseYaml(text) ?? {};
  } catch (e) {
    const err = e as Error & { linePos?: Array<{ line: number; col: number }> };
    throw new UserError(`the config is not valid YAML/JSON: ${err.message.split('\n')[0]}`, {
      file: path,
      line: err.linePos?.[0]?.line,
      column: err.linePos?.[0]?.col,
      hint: 'fix the syntax at that line',
    });
  }
}

/**
 * Applies `key.path=value` overrides to a raw config object (a copy is returned).
 * Values are parsed as YAML scalars/flow collections: `3`, `true`, `[a, b]`, `logspace:-2:6:17`.
 */
export function applyOverrides(raw: unknown, sets: readonly string[]): Record<string, unknown> {
  const root = structuredClone((raw ?? {}) as Record<string, unknown>);
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) {
      throw new UserError(`--set '${s}' is not key=value`, {
        field: '--set',
        hint: 'e.g. --set evaluate.permutations=2000',
      });
    }
    const keys = s.slice(0, eq).trim().split('.');
    const text = s.slice(eq + 1);
    let value: unknown;
    try {
      value = parseYaml(text);
    } catch {
      value = text;
    }
    let cur = root;
    for (const k of keys.slice(0, -1)) {
      const next = cur[k];
      if (next === undefined || next === null) cur[k] = {};
      else if (typeof next !== 'object' || Array.isArray(next)) {
        throw new UserError(`--set ${s}: '${k}' is not a section`, { field: keys.join('.') });
      }
      cur = cur[k] as Record<string, unknown>;
    }
    cur[keys[keys.length - 1]!] = value;
  }
  return root;
}

/** `--config FILE` + `--set …` + fixed values from flags → the resolved config. */
export async function loadRunConfig(o: {
  file?: string;
  sets?: readonly string[];
  overrides?: Partial<RunConfigInput>;
}): Promise<RunConfig> {
  const raw = o.file ? await readConfigFile(o.file) : {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError('the config must be a mapping of keys to values', {
      file: o.file,
      hint: 'start the file with keys such as `decode:` or `evaluate:`',
    });
  }
  const merged = applyOverrides({ ...(raw as object), ...definedOnly(o.overrides ?? {}) }, o.sets ?? []);
  return resolveConfig(merged, o.file ?? (o.sets?.length ? '--set' : 'config'));
}

function definedOnly(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
