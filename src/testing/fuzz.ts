/**
 * Fuzzing the file parsers and the run-config reader (shared by the property tests and bench/fuzz.bench.ts):
 * real files mutated (bytes set, header fields overwritten with edge values,
 * truncation, insertion; gzip members mutated inside the stream) and random bytes
 * behind the right magic. The rule each case must keep: the parser returns, or
 * throws a `UserError`; never another exception, never a hang, never an allocation
 * beyond the memory budget (measured as growth of ArrayBuffer memory in the case).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { encodeAu16 } from '../audio/au.js';
import { decodeAudioBytes } from '../audio/decode.js';
import { encodeWav } from '../audio/wav.js';
import { judgeEvents } from '../io/bids/events-check.js';
import { parseEventsText } from '../io/bids/tsv.js';
import { readNifti, readNiftiHeader } from '../io/nifti/index.js';
import { encodeNpy, parseNpy, readNpy } from '../io/npy.js';
import { readNpz, writeNpz } from '../io/npz.js';
import { loadRunConfig, resolveConfig } from '../pipeline/config.js';
import { isUserError } from '../util/errors.js';
import { DS003720, REPO_ROOT } from './bids.js';

/** The memory budget fuzz cases run under (B2M_MAX_MEMORY). */
export const FUZZ_BUDGET = 64 * 2 ** 20;

export interface FuzzTarget {
  name: string;
  /** Real files to mutate. */
  seeds(scratch: string): Promise<Uint8Array[]>;
  /** Magic bytes random headers start with. */
  magic: Uint8Array;
  /** Parses `bytes` (through a file in `scratch` when the parser reads files). */
  run(bytes: Uint8Array, scratch: string): Promise<unknown>;
}

const NIFTI_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'nifti');

function fileOf(scratch: string, name: string, bytes: Uint8Array): string {
  const p = join(scratch, name);
  writeFileSync(p, bytes);
  return p;
}

const tone = (n: number) => new Float32Array(n).map((_, i) => 0.5 * Math.sin(i / 5));

export const FUZZ_TARGETS: FuzzTarget[] = [
  {
    name: 'nifti',
    magic: new Uint8Array([0x5c, 0x01, 0, 0]),
    seeds: async () =>
      [
        'dtype_int16.nii',
        'be_float32.nii',
        'scaled_v2_be_int16.nii',
        'units_ms_ext.nii',
        'gz_int16.nii.gz',
      ].map((f) => new Uint8Array(readFileSync(join(NIFTI_FIXTURES, f)))),
    run: async (bytes, scratch) => {
      const p = fileOf(scratch, 'case.nii', bytes);
      await readNiftiHeader(p);
      return readNifti(p);
    },
  },
  {
    name: 'npy',
    magic: new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]),
    seeds: async () => [
      encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]),
      encodeNpy(new Float64Array([1, 2, 3]), [3]),
      encodeNpy(new Int16Array([1, -2, 3, -4]), [2, 2]),
    ],
    run: async (bytes, scratch) => {
      parseNpy(bytes, 'case.npy');
      return readNpy(fileOf(scratch, 'case.npy', bytes));
    },
  },
  {
    name: 'npz',
    magic: new Uint8Array([0x50, 0x4b, 3, 4]),
    seeds: async (scratch) => {
      const out: Uint8Array[] = [];
      for (const compress of [false, true]) {
        const p = join(scratch, `seed-${compress}.npz`);
        await writeNpz(
          p,
          {
            X: { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] },
            y: { data: new Float64Array([5, 6]), shape: [2] },
          },
          { compress },
        );
        out.push(new Uint8Array(readFileSync(p)));
      }
      return out;
    },
    run: async (bytes, scratch) => readNpz(fileOf(scratch, 'case.npz', bytes)),
  },
  {
    name: 'events.tsv',
    magic: new TextEncoder().encode('onset\tduration\tgenre\ttrack\tstart\tend\r\n'),
    seeds: async () => {
      const func = join(DS003720, 'sub-001', 'func');
      return readdirSync(func)
        .filter((f) => f.endsWith('_events.tsv'))
        .slice(0, 4)
        .map((f) => new Uint8Array(readFileSync(join(func, f))));
    },
    run: async (bytes) => judgeEvents(parseEventsText(new TextDecoder().decode(bytes), 'case.tsv')),
  },
  {
    name: 'wav',
    magic: new TextEncoder().encode('RIFF\x24\x00\x00\x00WAVEfmt '),
    seeds: async () => [
      encodeWav(tone(600), 22050).bytes,
      encodeWav([tone(300), tone(300)], 16000, { bitDepth: 24 }).bytes,
      encodeWav(tone(400), 44100, { bitDepth: 'float32' }).bytes,
    ],
    run: async (bytes) => decodeAudioBytes(bytes, 'case.wav'),
  },
  {
    name: 'au',
    magic: new Uint8Array([0x2e, 0x73, 0x6e, 0x64]),
    seeds: async () => [encodeAu16([tone(500)], 22050), encodeAu16([tone(200), tone(200)], 8000)],
    run: async (bytes) => decodeAudioBytes(bytes, 'case.au'),
  },
  {
    name: 'config',
    magic: new TextEncoder().encode('decode:\n  '),
    seeds: async () => {
      const full = resolveConfig({});
      return [stringify(full), JSON.stringify(full, null, 2), 'evaluate:\n  permutations: 1000\n'].map((t) =>
        new TextEncoder().encode(t),
      );
    },
    run: async (bytes, scratch) => loadRunConfig({ file: fileOf(scratch, 'case.yaml', bytes) }),
  },
];

type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'int'; at: number; value: number; bytes: 2 | 4 | 8; le: boolean }
  | { kind: 'float'; at: number; value: number; le: boolean }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

const EDGE_INTS = [
  0,
  1,
  -1,
  2,
  7,
  8,
  255,
  348,
  352,
  540,
  32767,
  -32768,
  65535,
  2 ** 24,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 32 - 1,
];
const EDGE_FLOATS = [0, -0, 1, -1, -352, 1e30, -1e30, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, 1e-30];

/** Header fields live near the start: bias positions there, but reach the whole file. */
const position = fc.oneof({ weight: 3, arbitrary: fc.nat(600) }, { weight: 1, arbitrary: fc.nat(1 << 16) });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: position, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('int' as const),
    at: position,
    value: fc.oneof(fc.constantFrom(...EDGE_INTS), fc.integer()),
    bytes: fc.constantFrom(2 as const, 4 as const, 8 as const),
    le: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('float' as const),
    at: position,
    value: fc.oneof(fc.constantFrom(...EDGE_FLOATS), fc.double()),
    le: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: position }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ maxLength: 24 }) }),
);

function applyMutation(b: Buffer, m: Mutation): Buffer {
  if (b.length === 0) return b;
  const at = m.at % (b.length + (m.kind === 'insert' || m.kind === 'cut' ? 1 : 0));
  switch (m.kind) {
    case 'set':
      b[at] = m.byte;
      return b;
    case 'int': {
      if (at + m.bytes > b.length) return b;
      if (m.bytes === 2) m.le ? b.writeUInt16LE(m.value & 0xffff, at) : b.writeUInt16BE(m.value & 0xffff, at);
      else if (m.bytes === 4) m.le ? b.writeInt32LE(m.value | 0, at) : b.writeInt32BE(m.value | 0, at);
      else
        m.le
          ? b.writeBigInt64LE(BigInt(Math.trunc(m.value)), at)
          : b.writeBigInt64BE(BigInt(Math.trunc(m.value)), at);
      return b;
    }
    case 'float':
      if (at + 4 > b.length) return b;
      m.le ? b.writeFloatLE(m.value, at) : b.writeFloatBE(m.value, at);
      return b;
    case 'cut':
      return b.subarray(0, at);
    case 'insert':
      return Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
  }
}

const isGzip = (b: Uint8Array) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Mutated seeds (gzip seeds mutated inside the stream half of the time) and random bytes behind the magic. */
export function fuzzInputs(seeds: Uint8Array[], magic: Uint8Array): fc.Arbitrary<Uint8Array> {
  const mutated = fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean())
    .map(([seed, ms, inside]) => {
      const gz = isGzip(seed) && inside;
      let b: Buffer = Buffer.from(gz ? gunzipSync(seed) : seed);
      for (const m of ms) b = applyMutation(b, m);
      return new Uint8Array(gz ? gzipSync(b) : b);
    });
  const random = fc
    .uint8Array({ maxLength: 1024 })
    .map((tail) => new Uint8Array(Buffer.concat([magic, tail])));
  return fc.oneof({ weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: random });
}

export interface CaseOutcome {
  result: 'parsed' | 'user-error';
}

/** Runs one case under the rules; throws (a test failure) on a break. */
export async function checkCase(
  target: FuzzTarget,
  bytes: Uint8Array,
  scratch: string,
  timeoutMs = 10_000,
): Promise<CaseOutcome['result']> {
  const before = process.memoryUsage().arrayBuffers;
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${target.name}: no answer after ${timeoutMs} ms (a hang)`)),
      timeoutMs,
    );
  });
  let result: CaseOutcome['result'];
  try {
    await Promise.race([target.run(bytes, scratch), hang]);
    result = 'parsed';
  } catch (e) {
    if (!isUserError(e)) {
      throw new Error(`${target.name}: not a UserError: ${(e as Error)?.stack ?? String(e)}`);
    }
    result = 'user-error';
  } finally {
    clearTimeout(timer);
  }
  const grown = process.memoryUsage().arrayBuffers - before;
  if (grown > FUZZ_BUDGET + (8 << 20)) {
    throw new Error(
      `${target.name}: the case allocated ${(grown / 2 ** 20).toFixed(0)} MiB, past the ${FUZZ_BUDGET / 2 ** 20} MiB budget`,
    );
  }
  return result;
}

export interface FuzzReport {
  target: string;
  cases: number;
  parsed: number;
  userErrors: number;
  seconds: number;
}

/** Runs `numRuns` cases on `target` (seeded); throws with fast-check's counterexample on a break. */
export async function fuzz(
  target: FuzzTarget,
  scratchRoot: string,
  numRuns: number,
  seed = 42,
): Promise<FuzzReport> {
  const scratch = join(scratchRoot, target.name.replace(/\W/g, '_'));
  mkdirSync(scratch, { recursive: true });
  const prev = process.env.B2M_MAX_MEMORY;
  process.env.B2M_MAX_MEMORY = String(FUZZ_BUDGET);
  const counts = { parsed: 0, userErrors: 0 };
  const t0 = performance.now();
  try {
    const seeds = await target.seeds(scratch);
    await fc.assert(
      fc.asyncProperty(fuzzInputs(seeds, target.magic), async (bytes) => {
        const r = await checkCase(target, bytes, scratch);
        if (r === 'parsed') counts.parsed++;
        else counts.userErrors++;
      }),
      { numRuns, seed, endOnFailure: true },
    );
  } finally {
    if (prev === undefined) delete process.env.B2M_MAX_MEMORY;
    else process.env.B2M_MAX_MEMORY = prev;
  }
  return {
    target: target.name,
    cases: counts.parsed + counts.userErrors,
    ...counts,
    seconds: (performance.now() - t0) / 1000,
  };
}
