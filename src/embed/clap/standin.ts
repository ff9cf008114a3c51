/**
 * Small stand-in CLAP models for tests and offline demos: real ONNX files with
 * the same input/output names and shapes as a transformers.js export of
 * LAION-CLAP (`Xenova/clap-htsat-unfused` layout), plus its configs and a tiny
 * tokenizer. Weights are random (seeded), so the embeddings mean nothing; what is
 * real is the loading path, the feature extraction, the tokenizer and the session.
 *
 * The ONNX ModelProto is hand-encoded (protobuf wire format, a handful of
 * fields), so tests need no ONNX tooling:
 * - audio: input_features [B, 1, T, 64] → mean over (1, 2) → MatMul W[64, D] → audio_embeds [B, D]
 * - text: input_ids, attention_mask [B, S] → Gather E[V, D] → masked mean → text_embeds [B, D]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../../util/rng.js';

// ---- protobuf wire format -------------------------------------------------

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

type Field = number[];
const num = (field: number, v: number | bigint): Field => [...varint((field << 3) | 0), ...varint(v)];
const bytes = (field: number, b: ArrayLike<number>): Field => [
  ...varint((field << 3) | 2),
  ...varint(b.length),
  ...Array.from(b),
];
const str = (field: number, s: string): Field => bytes(field, new TextEncoder().encode(s));
const msg = (field: number, ...parts: Field[]): Field => bytes(field, parts.flat());

// ---- ONNX messages (field numbers from onnx.proto) -------------------------

const FLOAT = 1;
const INT64 = 7;

function tensor(name: string, dims: number[], type: number, raw: Uint8Array): Field {
  return [...dims.flatMap((d) => num(1, d)), ...num(2, type), ...str(8, name), ...bytes(9, raw)];
}

function floatTensor(name: string, dims: number[], values: Float32Array): Field {
  return tensor(name, dims, FLOAT, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

function int64Tensor(name: string, values: number[]): Field {
  const b = new BigInt64Array(values.map((v) => BigInt(v)));
  return tensor(name, [values.length], INT64, new Uint8Array(b.buffer));
}

/** dims: a number is a fixed size, a string a symbolic one ("batch"). */
function valueInfo(name: string, type: number, dims: (number | string)[]): Field {
  const shape = dims.map((d) => msg(1, typeof d === 'number' ? num(1, d) : str(2, d)));
  return [...str(1, name), ...msg(2, msg(1, num(1, type), msg(2, ...shape)))];
}

interface Attr {
  name: string;
  ints?: number[];
  i?: number;
}

function node(op: string, inputs: string[], outputs: string[], attrs: Attr[] = []): Field {
  const a = attrs.map((x) =>
    x.ints
      ? msg(5, str(1, x.name), ...x.ints.map((v) => num(8, v)), num(20, 7))
      : msg(5, str(1, x.name), num(3, x.i as number), num(20, 2)),
  );
  return [
    ...inputs.flatMap((s) => str(1, s)),
    ...outputs.flatMap((s) => str(2, s)),
    ...str(4, op),
    ...a.flat(),
  ];
}

function model(graph: {
  nodes: Field[];
  inits: Field[];
  inputs: Field[];
  outputs: Field[];
  name: string;
}): Uint8Array {
  const g = [
    ...graph.nodes.flatMap((n) => msg(1, n)),
    ...str(2, graph.name),
    ...graph.inits.flatMap((t) => msg(5, t)),
    ...graph.inputs.flatMap((v) => msg(11, v)),
    ...graph.outputs.flatMap((v) => msg(12, v)),
  ];
  const opset = msg(8, str(1, ''), num(2, 13));
  return new Uint8Array([...num(1, 7), ...str(2, 'brain2music-standin'), ...msg(7, g), ...opset]);
}

function randomWeights(n: number, rng: Rng, scale: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = rng.normal() * scale;
  return w;
}

/** ONNX bytes of the stand-in audio tower. */
export function standinAudioModel(dim: number, nMels = 64, seed = 1): Uint8Array {
  const rng = new Rng(seed);
  return model({
    name: 'clap_audio_standin',
    nodes: [
      node(
        'ReduceMean',
        ['input_features'],
        ['pooled'],
        [
          { name: 'axes', ints: [1, 2] },
          { name: 'keepdims', i: 0 },
        ],
      ),
      node('MatMul', ['pooled', 'W'], ['audio_embeds']),
    ],
    inits: [floatTensor('W', [nMels, dim], randomWeights(nMels * dim, rng, 1 / Math.sqrt(nMels)))],
    inputs: [valueInfo('input_features', FLOAT, ['batch', 1, 'frames', nMels])],
    outputs: [valueInfo('audio_embeds', FLOAT, ['batch', dim])],
  });
}

/** ONNX bytes of the stand-in text tower (masked mean of token vectors). */
export function standinTextModel(dim: number, vocab: number, seed = 2): Uint8Array {
  const rng = new Rng(seed);
  return model({
    name: 'clap_text_standin',
    nodes: [
      node('Gather', ['E', 'input_ids'], ['tok'], [{ name: 'axis', i: 0 }]),
      node('Cast', ['attention_mask'], ['maskf'], [{ name: 'to', i: FLOAT }]),
      node('Unsqueeze', ['maskf', 'axis2'], ['mask3']),
      node('Mul', ['tok', 'mask3'], ['masked']),
      node('ReduceSum', ['masked', 'axis1'], ['summed'], [{ name: 'keepdims', i: 0 }]),
      node('ReduceSum', ['mask3', 'axis1'], ['count'], [{ name: 'keepdims', i: 0 }]),
      node('Div', ['summed', 'count'], ['text_embeds']),
    ],
    inits: [
      floatTensor('E', [vocab, dim], randomWeights(vocab * dim, rng, 1)),
      int64Tensor('axis2', [2]),
      int64Tensor('axis1', [1]),
    ],
    inputs: [
      valueInfo('input_ids', INT64, ['batch', 'seq']),
      valueInfo('attention_mask', INT64, ['batch', 'seq']),
    ],
    outputs: [valueInfo('text_embeds', FLOAT, ['batch', dim])],
  });
}

/** LAION-CLAP's feature extractor settings (clap-htsat-unfused's preprocessor_config.json). */
export const CLAP_PREPROCESSOR_CONFIG = {
  feature_extractor_type: 'ClapFeatureExtractor',
  processor_class: 'ClapProcessor',
  feature_size: 64,
  sampling_rate: 48000,
  hop_length: 480,
  fft_window_size: 1024,
  nb_frequency_bins: 513,
  nb_max_samples: 480000,
  max_length_s: 10,
  frequency_min: 50,
  frequency_max: 14000,
  padding: 'repeatpad',
  truncation: 'rand_trunc',
  padding_side: 'right',
  padding_value: 0.0,
  return_attention_mask: false,
  top_db: null,
};

const WORDS = [
  'a',
  'the',
  'and',
  'with',
  'of',
  'music',
  'song',
  'piece',
  'calm',
  'energetic',
  'dark',
  'happy',
  'sad',
  'blues',
  'classical',
  'country',
  'disco',
  'hiphop',
  'jazz',
  'metal',
  'pop',
  'reggae',
  'rock',
  'piano',
  'guitar',
  'drums',
  'bass',
  'strings',
  'brass',
  'voice',
  'synth',
  'fast',
  'slow',
  'loud',
  'soft',
];

/**
 * Writes a complete stand-in model folder (the transformers.js CLAP layout):
 * config.json, preprocessor_config.json, tokenizer.json, tokenizer_config.json,
 * onnx/audio_model.onnx, onnx/text_model.onnx. Returns the embedding size.
 */
export async function writeStandinClap(dir: string, opts: { dim?: number } = {}): Promise<number> {
  const dim = opts.dim ?? 16;
  const vocab: Record<string, number> = { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3 };
  for (const w of WORDS) vocab[w] = Object.keys(vocab).length;
  const nVocab = Object.keys(vocab).length;
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await writeFile(
    join(dir, 'config.json'),
    json({
      model_type: 'clap',
      architectures: ['ClapModel'],
      projection_dim: dim,
      text_config: { model_type: 'clap_text_model', vocab_size: nVocab },
      audio_config: { model_type: 'clap_audio_model' },
    }),
  );
  await writeFile(join(dir, 'preprocessor_config.json'), json(CLAP_PREPROCESSOR_CONFIG));
  await writeFile(
    join(dir, 'tokenizer.json'),
    json({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map((t) => ({
        id: vocab[t],
        content: t,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: { type: 'Lowercase' },
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [
          { SpecialToken: { id: '[CLS]', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '[SEP]', type_id: 0 } },
        ],
        pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: {
          '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
          '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
        },
      },
      decoder: null,
      model: {
        type: 'WordPiece',
        unk_token: '[UNK]',
        continuing_subword_prefix: '##',
        max_input_chars_per_word: 100,
        vocab,
      },
    }),
  );
  await writeFile(
    join(dir, 'tokenizer_config.json'),
    json({
      tokenizer_class: 'PreTrainedTokenizer',
      model_max_length: 77,
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      cls_token: '[CLS]',
      sep_token: '[SEP]',
    }),
  );
  await writeFile(join(dir, 'onnx', 'audio_model.onnx'), standinAudioModel(dim));
  await writeFile(join(dir, 'onnx', 'text_model.onnx'), standinTextModel(dim, nVocab));
  return dim;
}
