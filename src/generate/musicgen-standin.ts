/**
 * A tiny stand-in MusicGen for tests: a folder in the transformers.js layout of a
 * MusicGen export (`Xenova/musicgen-small`: configs, a T5-style Unigram tokenizer,
 * `onnx/text_encoder.onnx`, `onnx/decoder_model_merged.onnx`,
 * `onnx/encodec_decode.onnx`) whose graphs have the export's input and output
 * names, ranks and dtypes, with small seeded random weights. What it proves is
 * the code path — tokenizer, text encoder, classifier-free guidance, the
 * KV-cached merged decoder with `use_cache_branch`, the codebook delay pattern,
 * the EnCodec decode — not musical quality: its "music" is sums of sinusoids.
 *
 * Graphs (encoded by our own writer, ../embed/onnx/writer.ts):
 * - text_encoder: input_ids, attention_mask [B, S] → Tanh(Gather E · W) → last_hidden_state [B, S, Dt]
 * - decoder_model_merged: input_ids [N, s] (N = B·K rows, ×2 under guidance), encoder_hidden_states
 *   [M, T, Dt] (M = N / K), encoder_attention_mask [M, T], past_key_values.{l}.{decoder,encoder}.{key,value},
 *   use_cache_branch [1] → logits [N, s, V], present.* . Per layer: real self-attention over the
 *   cached keys (present decoder key = Concat(past, new) on the sequence axis); the encoder
 *   key/value is the prompt's masked mean, projected and repeated per codebook, computed on the
 *   first step and passed through from the cache afterwards (an `If` on use_cache_branch, as in an
 *   Optimum merged decoder); then a feed-forward block. No causal mask: generation feeds one token a step.
 * - encodec_decode: audio_codes [1, B, K, F] → one sinusoid frame per code, summed over the
 *   codebooks → audio_values [B, 1, F · hop].
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encodeOnnxModel,
  ONNX_BOOL,
  ONNX_FLOAT,
  ONNX_INT64,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from '../embed/onnx/writer.js';
import { GTZAN_GENRES } from '../io/bids/genres.js';
import { Rng } from '../util/rng.js';

export interface MusicgenStandinOptions {
  /** Codebooks (MusicGen: 4), codebook size (2048), decoder width, heads and layers. */
  codebooks?: number;
  vocab?: number;
  hidden?: number;
  heads?: number;
  layers?: number;
  /** Audio rate of the decoded output (MusicGen: 32,000) and frames per second (50). */
  sampleRate?: number;
  frameRate?: number;
  seed?: number;
}

const OPTS = { opset: 13, producer: 'brain2music-standin' };

function randn(n: number, rng: Rng, scale: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = rng.normal() * scale;
  return w;
}

const i64 = (name: string, ...v: number[]): OnnxTensor => ({
  name,
  dims: [v.length],
  data: BigInt64Array.from(v.map(BigInt)),
});
const f32 = (name: string, dims: number[], data: Float32Array): OnnxTensor => ({ name, dims, data });

const WORDS = [
  'a',
  'the',
  'and',
  'with',
  'of',
  'in',
  'at',
  'piece',
  'track',
  'song',
  'music',
  'bpm',
  'calm',
  'energetic',
  'dark',
  'happy',
  'sad',
  'tense',
  ...GTZAN_GENRES,
  'piano',
  'guitar',
  'drums',
  'bass',
  'strings',
  'brass',
  'voice',
  'synth',
  'organ',
  'fast',
  'slow',
  'loud',
  'soft',
  'major',
  'minor',
];

/** T5-style Unigram vocabulary: specials, whole words (preferred), then single characters (fallback). */
function unigramVocab(): Array<[string, number]> {
  const v: Array<[string, number]> = [
    ['<pad>', 0],
    ['</s>', 0],
    ['<unk>', 0],
  ];
  for (const w of WORDS) v.push([`▁${w}`, -2]);
  v.push(['▁', -4]);
  for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789') v.push([c, -6]);
  return v;
}

function textEncoder(vocab: number, dt: number, rng: Rng): Uint8Array {
  return encodeOnnxModel(
    {
      name: 'musicgen_text_encoder_standin',
      nodes: [
        { op: 'Gather', inputs: ['E', 'input_ids'], outputs: ['tok'], attrs: { axis: { i: 0 } } },
        { op: 'MatMul', inputs: ['tok', 'W'], outputs: ['proj'] },
        { op: 'Tanh', inputs: ['proj'], outputs: ['last_hidden_state'] },
      ],
      initializers: [
        f32('E', [vocab, dt], randn(vocab * dt, rng, 1)),
        f32('W', [dt, dt], randn(dt * dt, rng, 1)),
      ],
      inputs: [
        { name: 'input_ids', type: ONNX_INT64, dims: ['batch_size', 'encoder_sequence_length'] },
        { name: 'attention_mask', type: ONNX_INT64, dims: ['batch_size', 'encoder_sequence_length'] },
      ],
      outputs: [
        { name: 'last_hidden_state', type: ONNX_FLOAT, dims: ['batch_size', 'encoder_sequence_length', dt] },
      ],
    },
    OPTS,
  );
}

interface DecoderDims {
  K: number;
  V: number;
  D: number;
  H: number;
  L: number;
  Dt: number;
}

function decoderMerged(d: DecoderDims, rng: Rng): Uint8Array {
  const { K, V, D, H, L, Dt } = d;
  const hd = D / H;
  const nodes: OnnxNode[] = [];
  const inits: OnnxTensor[] = [
    // Token table holds the pad/start id (= V) too, as MusicGen's embedding does.
    f32('Etok', [V + 1, D], randn((V + 1) * D, rng, 1)),
    f32('Wlm', [D, V], randn(D * V, rng, 2 / Math.sqrt(D))),
    i64('ax1', 1),
    i64('shape_m1d', 1, D),
    i64('tile_k', 1, K, 1),
    i64('shape_n1d', -1, 1, D),
    i64('shape_heads', 0, 0, H, hd),
    i64('shape_merge', 0, 0, D),
    f32('eps', [1], Float32Array.of(1e-6)),
    f32('att_scale', [1], Float32Array.of(1 / Math.sqrt(hd))),
  ];
  const inputs: OnnxValueInfo[] = [
    { name: 'encoder_attention_mask', type: ONNX_INT64, dims: ['batch_size', 'encoder_sequence_length'] },
    { name: 'input_ids', type: ONNX_INT64, dims: ['batch_size', 'decoder_sequence_length'] },
    { name: 'encoder_hidden_states', type: ONNX_FLOAT, dims: ['batch_size', 'encoder_sequence_length', Dt] },
  ];
  const outputs: OnnxValueInfo[] = [
    { name: 'logits', type: ONNX_FLOAT, dims: ['batch_size', 'decoder_sequence_length', V] },
  ];
  // The prompt's masked mean over its tokens: M × Dt (0 for guidance's null rows).
  nodes.push(
    { op: 'Cast', inputs: ['encoder_attention_mask'], outputs: ['maskf'], attrs: { to: { i: ONNX_FLOAT } } },
    { op: 'Unsqueeze', inputs: ['maskf', 'ax2'], outputs: ['mask3'] },
    { op: 'Mul', inputs: ['encoder_hidden_states', 'mask3'], outputs: ['enc_masked'] },
    { op: 'ReduceSum', inputs: ['enc_masked', 'ax1'], outputs: ['enc_sum'], attrs: { keepdims: { i: 0 } } },
    { op: 'ReduceSum', inputs: ['mask3', 'ax1'], outputs: ['enc_cnt'], attrs: { keepdims: { i: 0 } } },
    { op: 'Add', inputs: ['enc_cnt', 'eps'], outputs: ['enc_cnt_e'] },
    { op: 'Div', inputs: ['enc_sum', 'enc_cnt_e'], outputs: ['prompt'] },
    { op: 'Gather', inputs: ['Etok', 'input_ids'], outputs: ['x0'], attrs: { axis: { i: 0 } } },
  );
  inits.push(i64('ax2', 2));
  // Cross-attention keys/values: one per decoder row (rows are batch-major, codebook-minor).
  const thenOut: OnnxValueInfo[] = [];
  const elseOut: OnnxValueInfo[] = [];
  const thenNodes: OnnxNode[] = [];
  const elseNodes: OnnxNode[] = [];
  const ifOutputs: string[] = [];
  for (let l = 0; l < L; l++) {
    for (const kv of ['key', 'value']) {
      for (const part of ['decoder', 'encoder']) {
        inputs.push({
          name: `past_key_values.${l}.${part}.${kv}`,
          type: ONNX_FLOAT,
          dims: [
            'batch_size',
            H,
            part === 'decoder' ? 'past_decoder_sequence_length' : 'encoder_sequence_length_out',
            hd,
          ],
        });
        outputs.push({
          name: `present.${l}.${part}.${kv}`,
          type: ONNX_FLOAT,
          dims: [
            'batch_size',
            H,
            part === 'decoder' ? 'past_decoder_sequence_length + 1' : 'encoder_sequence_length_out',
            hd,
          ],
        });
      }
      const w = `Wc${l}${kv}`;
      inits.push(f32(w, [Dt, D], randn(Dt * D, rng, 1 / Math.sqrt(Dt))));
      const p = `c${l}${kv}`;
      elseNodes.push(
        { op: 'MatMul', inputs: ['prompt', w], outputs: [`${p}_m`] },
        { op: 'Reshape', inputs: [`${p}_m`, 'shape_m1d_3'], outputs: [`${p}_m1`] },
        { op: 'Tile', inputs: [`${p}_m1`, 'tile_k'], outputs: [`${p}_mk`] },
        { op: 'Reshape', inputs: [`${p}_mk`, 'shape_n1d'], outputs: [`${p}_n`] },
        { op: 'Reshape', inputs: [`${p}_n`, 'shape_heads'], outputs: [`${p}_nh`] },
        {
          op: 'Transpose',
          inputs: [`${p}_nh`],
          outputs: [`else_${l}_${kv}`],
          attrs: { perm: { ints: [0, 2, 1, 3] } },
        },
      );
      thenNodes.push({
        op: 'Identity',
        inputs: [`past_key_values.${l}.encoder.${kv}`],
        outputs: [`then_${l}_${kv}`],
      });
      const dims = ['n', H, 't', hd];
      thenOut.push({ name: `then_${l}_${kv}`, type: ONNX_FLOAT, dims });
      elseOut.push({ name: `else_${l}_${kv}`, type: ONNX_FLOAT, dims });
      ifOutputs.push(`present.${l}.encoder.${kv}`);
    }
  }
  inits.push(i64('shape_m1d_3', -1, 1, D));
  inputs.push({ name: 'use_cache_branch', type: ONNX_BOOL, dims: [1] });
  nodes.push({
    op: 'If',
    inputs: ['use_cache_branch'],
    outputs: ifOutputs,
    attrs: {
      then_branch: {
        g: { name: 'use_cache', nodes: thenNodes, initializers: [], inputs: [], outputs: thenOut },
      },
      else_branch: {
        g: { name: 'compute', nodes: elseNodes, initializers: [], inputs: [], outputs: elseOut },
      },
    },
  });
  let x = 'x0';
  const heads = (src: string, out: string) => {
    nodes.push(
      { op: 'Reshape', inputs: [src, 'shape_heads'], outputs: [`${out}_r`] },
      { op: 'Transpose', inputs: [`${out}_r`], outputs: [out], attrs: { perm: { ints: [0, 2, 1, 3] } } },
    );
  };
  for (let l = 0; l < L; l++) {
    for (const m of ['q', 'k', 'v', 'o'])
      inits.push(f32(`W${m}${l}`, [D, D], randn(D * D, rng, 1 / Math.sqrt(D))));
    inits.push(f32(`W1_${l}`, [D, 2 * D], randn(2 * D * D, rng, 1 / Math.sqrt(D))));
    inits.push(f32(`W2_${l}`, [2 * D, D], randn(2 * D * D, rng, 1 / Math.sqrt(2 * D))));
    const p = `l${l}`;
    for (const m of ['q', 'k', 'v'])
      nodes.push({ op: 'MatMul', inputs: [x, `W${m}${l}`], outputs: [`${p}${m}`] });
    heads(`${p}q`, `${p}qh`);
    heads(`${p}k`, `${p}kh`);
    heads(`${p}v`, `${p}vh`);
    nodes.push(
      {
        op: 'Concat',
        inputs: [`past_key_values.${l}.decoder.key`, `${p}kh`],
        outputs: [`present.${l}.decoder.key`],
        attrs: { axis: { i: 2 } },
      },
      {
        op: 'Concat',
        inputs: [`past_key_values.${l}.decoder.value`, `${p}vh`],
        outputs: [`present.${l}.decoder.value`],
        attrs: { axis: { i: 2 } },
      },
      {
        op: 'Transpose',
        inputs: [`present.${l}.decoder.key`],
        outputs: [`${p}kt`],
        attrs: { perm: { ints: [0, 1, 3, 2] } },
      },
      { op: 'MatMul', inputs: [`${p}qh`, `${p}kt`], outputs: [`${p}s0`] },
      { op: 'Mul', inputs: [`${p}s0`, 'att_scale'], outputs: [`${p}s1`] },
      { op: 'Softmax', inputs: [`${p}s1`], outputs: [`${p}a`], attrs: { axis: { i: -1 } } },
      { op: 'MatMul', inputs: [`${p}a`, `present.${l}.decoder.value`], outputs: [`${p}ctx`] },
      {
        op: 'Transpose',
        inputs: [`${p}ctx`],
        outputs: [`${p}ctx_t`],
        attrs: { perm: { ints: [0, 2, 1, 3] } },
      },
      { op: 'Reshape', inputs: [`${p}ctx_t`, 'shape_merge'], outputs: [`${p}ctx_m`] },
      { op: 'MatMul', inputs: [`${p}ctx_m`, `Wo${l}`], outputs: [`${p}o`] },
      { op: 'Add', inputs: [x, `${p}o`], outputs: [`${p}x1`] },
      // Cross-attention over the single pooled prompt key: its softmax is 1, so it adds the value.
      {
        op: 'Transpose',
        inputs: [`present.${l}.encoder.value`],
        outputs: [`${p}cv_t`],
        attrs: { perm: { ints: [0, 2, 1, 3] } },
      },
      { op: 'Reshape', inputs: [`${p}cv_t`, 'shape_merge'], outputs: [`${p}cv`] },
      { op: 'Add', inputs: [`${p}x1`, `${p}cv`], outputs: [`${p}x2`] },
      { op: 'MatMul', inputs: [`${p}x2`, `W1_${l}`], outputs: [`${p}f1`] },
      { op: 'Tanh', inputs: [`${p}f1`], outputs: [`${p}f2`] },
      { op: 'MatMul', inputs: [`${p}f2`, `W2_${l}`], outputs: [`${p}f3`] },
      { op: 'Add', inputs: [`${p}x2`, `${p}f3`], outputs: [`${p}x3`] },
    );
    x = `${p}x3`;
  }
  nodes.push({ op: 'MatMul', inputs: [x, 'Wlm'], outputs: ['logits'] });
  return encodeOnnxModel(
    { name: 'musicgen_decoder_merged_standin', nodes, initializers: inits, inputs, outputs },
    OPTS,
  );
}

function encodecDecode(K: number, V: number, hop: number, sampleRate: number, rng: Rng): Uint8Array {
  // Code c of any codebook plays one frame of a sinusoid at its own frequency.
  const table = new Float32Array(V * hop);
  for (let c = 0; c < V; c++) {
    const hz = 110 * 2 ** (rng.int(0, 36) / 12);
    const amp = 0.8 / K;
    for (let t = 0; t < hop; t++) table[c * hop + t] = amp * Math.sin((2 * Math.PI * hz * t) / sampleRate);
  }
  return encodeOnnxModel(
    {
      name: 'musicgen_encodec_decode_standin',
      nodes: [
        { op: 'Gather', inputs: ['table', 'audio_codes'], outputs: ['frames'], attrs: { axis: { i: 0 } } },
        { op: 'ReduceSum', inputs: ['frames', 'ax2'], outputs: ['mixed'], attrs: { keepdims: { i: 0 } } },
        { op: 'Squeeze', inputs: ['mixed', 'ax0'], outputs: ['bth'] },
        { op: 'Reshape', inputs: ['bth', 'shape_out'], outputs: ['audio_values'] },
      ],
      initializers: [f32('table', [V, hop], table), i64('ax2', 2), i64('ax0', 0), i64('shape_out', 0, 1, -1)],
      inputs: [{ name: 'audio_codes', type: ONNX_INT64, dims: [1, 'batch_size', K, 'chunk_length'] }],
      outputs: [{ name: 'audio_values', type: ONNX_FLOAT, dims: ['batch_size', 1, 'audio_length'] }],
    },
    OPTS,
  );
}

/**
 * Writes the stand-in folder: config.json, generation_config.json,
 * preprocessor_config.json, tokenizer.json, tokenizer_config.json and the three
 * ONNX graphs under onnx/. Same seed, same bytes.
 */
export async function writeStandinMusicgen(dir: string, opts: MusicgenStandinOptions = {}): Promise<void> {
  const K = opts.codebooks ?? 4;
  const V = opts.vocab ?? 16;
  const D = opts.hidden ?? 8;
  const H = opts.heads ?? 2;
  const L = opts.layers ?? 2;
  const sampleRate = opts.sampleRate ?? 16000;
  const frameRate = opts.frameRate ?? 5;
  const hop = Math.round(sampleRate / frameRate);
  const Dt = 8;
  const rng = new Rng(opts.seed ?? 7);
  const vocab = unigramVocab();
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await mkdir(join(dir, 'onnx'), { recursive: true });
  await writeFile(
    join(dir, 'config.json'),
    json({
      architectures: ['MusicgenForConditionalGeneration'],
      model_type: 'musicgen',
      is_encoder_decoder: true,
      text_encoder: { model_type: 't5', d_model: Dt, vocab_size: vocab.length },
      audio_encoder: {
        model_type: 'encodec',
        sampling_rate: sampleRate,
        frame_rate: frameRate,
        codebook_size: V,
        audio_channels: 1,
      },
      decoder: {
        model_type: 'musicgen_decoder',
        num_codebooks: K,
        vocab_size: V,
        hidden_size: D,
        num_attention_heads: H,
        num_hidden_layers: L,
        ffn_dim: 2 * D,
        pad_token_id: V,
        bos_token_id: V,
        max_position_embeddings: 2048,
      },
    }),
  );
  await writeFile(
    join(dir, 'generation_config.json'),
    json({
      bos_token_id: V,
      decoder_start_token_id: V,
      pad_token_id: V,
      do_sample: true,
      guidance_scale: 3.0,
      max_length: 1500,
    }),
  );
  await writeFile(
    join(dir, 'preprocessor_config.json'),
    json({
      feature_extractor_type: 'EncodecFeatureExtractor',
      feature_size: 1,
      padding_side: 'left',
      padding_value: 0.0,
      return_attention_mask: true,
      sampling_rate: sampleRate,
      chunk_length_s: null,
      overlap: null,
    }),
  );
  await writeFile(
    join(dir, 'tokenizer.json'),
    json({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: ['<pad>', '</s>', '<unk>'].map((t, id) => ({
        id,
        content: t,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: { type: 'Lowercase' },
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
        pair: [
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '</s>', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 0 } },
          { SpecialToken: { id: '</s>', type_id: 0 } },
        ],
        special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
      },
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      model: { type: 'Unigram', unk_id: 2, vocab, byte_fallback: false },
    }),
  );
  await writeFile(
    join(dir, 'tokenizer_config.json'),
    json({
      tokenizer_class: 'T5Tokenizer',
      model_max_length: 512,
      eos_token: '</s>',
      pad_token: '<pad>',
      unk_token: '<unk>',
      extra_ids: 0,
    }),
  );
  await writeFile(join(dir, 'onnx', 'text_encoder.onnx'), textEncoder(vocab.length, Dt, rng));
  await writeFile(join(dir, 'onnx', 'decoder_model_merged.onnx'), decoderMerged({ K, V, D, H, L, Dt }, rng));
  await writeFile(join(dir, 'onnx', 'encodec_decode.onnx'), encodecDecode(K, V, hop, sampleRate, rng));
}
