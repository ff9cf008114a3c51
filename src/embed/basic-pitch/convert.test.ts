import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertTfjsGraph, type TfjsModelJson } from './convert.js';

/**
 * A tiny TF.js graph of the op forms basic-pitch's converter must get right and
 * the real model exercises only partly: StridedSlice with masks and a negative
 * stride, a Shape-derived Reshape with a dynamic batch, DivNoNan, reflect
 * padding, a strided SAME convolution. Expected values follow TF's definitions.
 */
function graph(extra: { name: string; op: string; input: string[] }[] = []) {
  const consts: { name: string; dtype: 'int32' | 'float32'; shape: number[]; values: number[] }[] = [];
  const c = (name: string, dtype: 'int32' | 'float32', shape: number[], values: number[]) => {
    consts.push({ name, dtype, shape, values });
    return name;
  };
  const i32 = (name: string, values: number[], shape = [values.length]) => c(name, 'int32', shape, values);
  const ints = (v: number) => ({ i: String(v) });
  const slice = (
    name: string,
    input: string,
    b: number[],
    e: number[],
    s: number[],
    m: Record<string, number>,
  ) => ({
    name,
    op: 'StridedSlice',
    input: [input, i32(`${name}/b`, b), i32(`${name}/e`, e), i32(`${name}/s`, s)],
    attr: Object.fromEntries(
      ['begin_mask', 'end_mask', 'shrink_axis_mask', 'new_axis_mask', 'ellipsis_mask'].map((k) => [
        k,
        ints(m[k] ?? 0),
      ]),
    ),
  });
  const filter = Array.from({ length: 18 }, (_, k) => ((k * 7) % 5) - 2);
  const nodes = [
    {
      name: 'x',
      op: 'Placeholder',
      attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '4' }, { size: '6' }] } } },
    },
    slice('rev', 'x', [0, 1, 5], [0, 4, 0], [1, 1, -2], { begin_mask: 1, end_mask: 5 }),
    slice('row2', 'x', [0, 2, 0], [0, 3, 0], [1, 1, 1], { begin_mask: 5, end_mask: 5, shrink_axis_mask: 2 }),
    slice('newax', 'row2', [0, 0, 0], [0, 0, 0], [1, 1, 1], { begin_mask: 5, end_mask: 5, new_axis_mask: 2 }),
    { name: 'shape', op: 'Shape', input: ['x'] },
    slice('batch', 'shape', [0], [1], [1], { shrink_axis_mask: 1 }),
    { name: 'target', op: 'Pack', input: ['batch', i32('k24', [24], [])], attr: { axis: ints(0) } },
    { name: 'flat', op: 'Reshape', input: ['x', 'target'] },
    { name: 'div', op: 'DivNoNan', input: ['x', c('den', 'float32', [6], [2, 0, 4, 0, 1, -2])] },
    {
      name: 'mirror',
      op: 'MirrorPad',
      input: ['x', i32('pads', [0, 0, 1, 2, 0, 0], [3, 2])],
      attr: { mode: { s: Buffer.from('REFLECT').toString('base64') } },
    },
    { name: 'x4', op: 'ExpandDims', input: ['x', i32('minus1', [-1], [])] },
    {
      name: 'conv',
      op: '_FusedConv2D',
      input: ['x4', c('w', 'float32', [3, 3, 1, 2], filter), c('bias', 'float32', [2], [0.5, -1])],
      attr: {
        padding: { s: Buffer.from('SAME').toString('base64') },
        strides: { list: { i: ['1', '2', '2', '1'] } },
        dilations: { list: { i: ['1', '1', '1', '1'] } },
        fused_ops: { list: { s: ['BiasAdd', 'Relu'].map((s) => Buffer.from(s).toString('base64')) } },
        num_args: ints(1),
      },
    },
    ...extra,
  ];
  const json: TfjsModelJson = {
    modelTopology: { node: [...nodes, ...consts.map((k) => ({ name: k.name, op: 'Const' }))] },
    weightsManifest: [
      { paths: ['w.bin'], weights: consts.map((k) => ({ name: k.name, shape: k.shape, dtype: k.dtype })) },
    ],
  };
  const parts = consts.map((k) =>
    k.dtype === 'int32'
      ? new Uint8Array(Int32Array.from(k.values).buffer)
      : new Uint8Array(Float32Array.from(k.values).buffer),
  );
  const bytes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return { json, bytes, filter };
}

test('TF.js graph → ONNX: slices, dynamic-batch reshape, DivNoNan, reflect pad, SAME conv match TF', async () => {
  const { json, bytes, filter } = graph();
  const outs = ['rev', 'row2', 'newax', 'flat', 'div', 'mirror', 'conv'];
  const m = convertTfjsGraph(json, bytes, { outputs: Object.fromEntries(outs.map((o) => [o, o])) });
  assert.deepEqual(m.outputShapes, {
    rev: [-1, 3, 3],
    row2: [-1, 6],
    newax: [-1, 1, 6],
    flat: [-1, 24],
    div: [-1, 4, 6],
    mirror: [-1, 7, 6],
    conv: [-1, 2, 3, 2],
  });
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(m.bytes, { intraOpNumThreads: 1 });
  const B = 2;
  const x = Float32Array.from({ length: B * 24 }, (_, i) => ((i * 37) % 11) - 5);
  const X = (b: number, r: number, c: number) => x[b * 24 + r * 6 + c] as number;
  const res = await session.run({ x: new ort.Tensor('float32', x, [B, 4, 6]) });
  const got = (k: string) => Array.from(res[k]!.data as Float32Array);
  const expect = (k: string, f: (b: number) => number[]) => {
    const want = [0, 1].flatMap(f);
    const have = got(k);
    assert.equal(have.length, want.length, k);
    for (let i = 0; i < want.length; i++)
      assert.ok(Math.abs((have[i] as number) - (want[i] as number)) < 1e-5, `${k}[${i}]`);
  };
  expect('rev', (b) => [1, 2, 3].flatMap((r) => [5, 3, 1].map((c) => X(b, r, c))));
  expect('row2', (b) => [0, 1, 2, 3, 4, 5].map((c) => X(b, 2, c)));
  expect('newax', (b) => [0, 1, 2, 3, 4, 5].map((c) => X(b, 2, c)));
  expect('flat', (b) => Array.from(x.subarray(b * 24, b * 24 + 24)));
  const den = [2, 0, 4, 0, 1, -2];
  expect('div', (b) => [0, 1, 2, 3].flatMap((r) => den.map((d, c) => (d === 0 ? 0 : X(b, r, c) / d))));
  // numpy/TF REFLECT: rows 1 | 0 1 2 3 | 2 1 (the edge row is not repeated).
  expect('mirror', (b) => [1, 0, 1, 2, 3, 2, 1].flatMap((r) => [0, 1, 2, 3, 4, 5].map((c) => X(b, r, c))));
  // SAME, stride 2 on 4 × 6: outputs 2 × 3, total padding 1 per axis, all of it after.
  expect('conv', (b) => {
    const out: number[] = [];
    for (let oy = 0; oy < 2; oy++)
      for (let ox = 0; ox < 3; ox++)
        for (let o = 0; o < 2; o++) {
          let s = o === 0 ? 0.5 : -1;
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const r = oy * 2 + ky;
              const c = ox * 2 + kx;
              if (r < 4 && c < 6) s += X(b, r, c) * (filter[(ky * 3 + kx) * 2 + o] as number);
            }
          out.push(Math.max(0, s));
        }
    return out;
  });
  await session.release();
});

test('TF.js graph → ONNX: an unsupported op is an error naming the node', () => {
  const { json, bytes } = graph([{ name: 'odd', op: 'Cumsum', input: ['x', 'minus1'] }]);
  assert.throws(
    () => convertTfjsGraph(json, bytes, { outputs: { odd: 'odd' } }),
    /unsupported op Cumsum \(odd\)/,
  );
});
