/**
 * Small stand-in CLAP models for tests and offline demos: real ONNX files with
 * the same input/output names and shapes as a transformers.js export of
 * LAION-CLAP (`Xenova/clap-htsat-unfused` layout), plus its configs and a tiny
 * tokenizer. Weights are random (seeded), so the embeddings mean nothing; what is
 * real is the loading path, the feature extraction, the tokenizer and the session.
 *
 * The ONNX models are encoded by our own writer (../onnx/writer.ts), so tests
 * need no ONNX tooling:
 * - audio: input_features [B, 1, T, 64] → mean over (1, 2) → MatMul W[64, D] → audio_embeds [B, D]
 * - text: input_ids, attention_mask [B, S] → Gather E[V, D] → masked mean → text_embeds [B, D]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GTZAN_GENRES } from '../../io/bids/genres.js';
import { Rng } from '../../util/rng.js';
import { encodeOnnxModel, ONNX_FLOAT, ONNX_INT64 } from '../onnx/writer.js';

function randomWeights(n: number, rng: Rng, scale: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = rng.normal() * scale;
  return w;
}

const opts = { opset: 13, producer: 'brain2music-standin' };

/** ONNX bytes of the stand-in audio tower. */
export function standinAudioModel(dim: number, nMels = 64, seed = 1): Uint8Array {
  const rng = new Rng(seed);
  return encodeOnnxModel(
    {
      name: 'clap_audio_standin',
      nodes: [
        {
          op: 'ReduceMean',
          inputs: ['input_features'],
          outputs: ['pooled'],
          attrs: { axes: { ints: [1, 2] }, keepdims: { i: 0 } },
        },
        { op: 'MatMul', inputs: ['pooled', 'W'], outputs: ['audio_embeds'] },
      ],
      initializers: [
        { name: 'W', dims: [nMels, dim], data: randomWeights(nMels * dim, rng, 1 / Math.sqrt(nMels)) },
      ],
      inputs: [{ name: 'input_features', type: ONNX_FLOAT, dims: ['batch', 1, 'frames', nMels] }],
      outputs: [{ name: 'audio_embeds', type: ONNX_FLOAT, dims: ['batch', dim] }],
    },
    opts,
  );
}

/** ONNX bytes of the stand-in text tower (masked mean of token vectors). */
export function standinTextModel(dim: number, vocab: number, seed = 2): Uint8Array {
  const rng = new Rng(seed);
  return encodeOnnxModel(
    {
      name: 'clap_text_standin',
      nodes: [
        { op: 'Gather', inputs: ['E', 'input_ids'], outputs: ['tok'], attrs: { axis: { i: 0 } } },
        { op: 'Cast', inputs: ['attention_mask'], outputs: ['maskf'], attrs: { to: { i: ONNX_FLOAT } } },
        { op: 'Unsqueeze', inputs: ['maskf', 'axis2'], outputs: ['mask3'] },
        { op: 'Mul', inputs: ['tok', 'mask3'], outputs: ['masked'] },
        { op: 'ReduceSum', inputs: ['masked', 'axis1'], outputs: ['summed'], attrs: { keepdims: { i: 0 } } },
        { op: 'ReduceSum', inputs: ['mask3', 'axis1'], outputs: ['count'], attrs: { keepdims: { i: 0 } } },
        { op: 'Div', inputs: ['summed', 'count'], outputs: ['text_embeds'] },
      ],
      initializers: [
        { name: 'E', dims: [vocab, dim], data: randomWeights(vocab * dim, rng, 1) },
        { name: 'axis2', dims: [1], data: BigInt64Array.of(2n) },
        { name: 'axis1', dims: [1], data: BigInt64Array.of(1n) },
      ],
      inputs: [
        { name: 'input_ids', type: ONNX_INT64, dims: ['batch', 'seq'] },
        { name: 'attention_mask', type: ONNX_INT64, dims: ['batch', 'seq'] },
      ],
      outputs: [{ name: 'text_embeds', type: ONNX_FLOAT, dims: ['batch', dim] }],
    },
    opts,
  );
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
  ...GTZAN_GENRES,
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
