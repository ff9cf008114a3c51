/**
 * Converts a TF.js graph model (model.json + weight bytes) to an ONNX model, in
 * memory, so ONNX Runtime can run it. It covers the ops of basic-pitch's graph
 * (and fails loudly, naming the node, on anything else), not TensorFlow at large.
 *
 * How: every tensor gets a static shape, with the batch dimension as -1 (the only
 * unknown; the graph's single input is [-1, …]). Integer tensors that only feed
 * shapes (Shape → StridedSlice → Pack → Reshape, pads, perms, axes) are evaluated
 * here, with the batch size as NaN, so a Reshape target becomes a constant with
 * -1 for the batch. Float work becomes ONNX nodes. TF convolutions are NHWC and
 * ONNX's are NCHW: each conv is wrapped in two Transposes (filters HWIO → OIHW
 * here) and ONNX Runtime's layout optimiser removes the pairs that cancel. TF's
 * SAME padding becomes explicit pads from the static sizes (TF puts the odd
 * pixel after, as SAME_UPPER).
 */
import {
  encodeOnnxModel,
  ONNX_FLOAT,
  type OnnxAttr,
  type OnnxNode,
  type OnnxTensor,
} from '../onnx/writer.js';

/** The parts of a TF.js `model.json` used here. */
export interface TfjsModelJson {
  modelTopology: { node: TfNode[] };
  weightsManifest: { paths: string[]; weights: TfWeightSpec[] }[];
}

interface TfWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttrValue>;
}

interface TfAttrValue {
  i?: string;
  f?: number;
  b?: boolean;
  s?: string;
  type?: string;
  list?: { i?: string[]; s?: string[] };
  shape?: { dim?: { size: string }[] };
}

export interface ConvertOptions {
  /** TF output node → ONNX output name (default: the TF names). */
  outputs: Record<string, string>;
  /** ONNX name of the graph input (default: the Placeholder's name). */
  inputName?: string;
}

/** A converted value: a constant known here, or a float tensor of the ONNX graph. */
type Value =
  | { kind: 'ints'; shape: number[]; data: number[] } // NaN where the batch size goes
  | { kind: 'floats'; shape: number[]; data: Float32Array }
  | { kind: 'tensor'; shape: number[]; name: string }; // shape: -1 for the batch

const BATCH = -1;
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function attrInt(n: TfNode, key: string, def?: number): number {
  const v = n.attr?.[key]?.i;
  if (v === undefined) {
    if (def === undefined)
      throw new Error(`basic-pitch conversion: ${n.op} ${n.name} lacks attribute ${key}`);
    return def;
  }
  return Number(v);
}

function attrInts(n: TfNode, key: string): number[] {
  return (n.attr?.[key]?.list?.i ?? []).map(Number);
}

function attrString(n: TfNode, key: string): string | undefined {
  const s = n.attr?.[key]?.s;
  return s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');
}

/** Splits weight bytes into per-name typed arrays (the manifest's order is the bytes' order). */
function readWeights(json: TfjsModelJson, bytes: Uint8Array): Map<string, Value> {
  const out = new Map<string, Value>();
  let o = 0;
  for (const group of json.weightsManifest) {
    for (const w of group.weights) {
      if (w.quantization) throw new Error(`basic-pitch conversion: quantised weight ${w.name} unsupported`);
      const n = size(w.shape);
      const chunk = bytes.slice(o, o + n * 4); // copy: aligned for the typed-array views
      o += n * 4;
      if (w.dtype === 'float32') {
        out.set(w.name, { kind: 'floats', shape: w.shape, data: new Float32Array(chunk.buffer) });
      } else if (w.dtype === 'int32') {
        out.set(w.name, { kind: 'ints', shape: w.shape, data: Array.from(new Int32Array(chunk.buffer)) });
      } else {
        throw new Error(`basic-pitch conversion: weight ${w.name} has dtype ${w.dtype}`);
      }
    }
  }
  if (o !== bytes.length) {
    throw new Error(`basic-pitch conversion: weights take ${o} bytes, the shards hold ${bytes.length}`);
  }
  return out;
}

/** TF StridedSlice, resolved against a static shape: what to slice, drop and insert. */
interface SliceSpec {
  /** Per input dimension: start, end (exclusive), step. */
  ranges: { start: number; end: number; step: number }[];
  /** Input dimensions removed (shrink_axis_mask). */
  shrink: number[];
  /** Output positions of inserted size-1 dimensions (new_axis_mask). */
  newAxes: number[];
  outShape: number[];
}

function resolveStridedSlice(
  n: TfNode,
  shape: readonly number[],
  begin: number[],
  end: number[],
  strides: number[],
): SliceSpec {
  const bm = attrInt(n, 'begin_mask', 0);
  const em = attrInt(n, 'end_mask', 0);
  const nm = attrInt(n, 'new_axis_mask', 0);
  const sm = attrInt(n, 'shrink_axis_mask', 0);
  if (attrInt(n, 'ellipsis_mask', 0) !== 0) throw new Error(`basic-pitch conversion: ellipsis in ${n.name}`);
  const ranges = shape.map((d) => ({ start: 0, end: d, step: 1 }));
  const shrink: number[] = [];
  const newAxes: number[] = [];
  const outShape: number[] = [];
  let d = 0;
  for (let i = 0; i < begin.length; i++) {
    if ((nm >> i) & 1) {
      newAxes.push(outShape.length);
      outShape.push(1);
      continue;
    }
    const dim = shape[d] as number;
    const step = strides[i] as number;
    if (step === 0) throw new Error(`basic-pitch conversion: zero stride in ${n.name}`);
    const wrap = (v: number) => (v < 0 ? v + dim : v);
    if ((sm >> i) & 1) {
      const b = wrap(begin[i] as number);
      if (dim === BATCH) throw new Error(`basic-pitch conversion: ${n.name} indexes the batch dimension`);
      ranges[d] = { start: b, end: b + 1, step: 1 };
      shrink.push(d);
      d++;
      continue;
    }
    const fullBegin = (bm >> i) & 1;
    const fullEnd = (em >> i) & 1;
    if (dim === BATCH) {
      if (step !== 1 || !(fullBegin || begin[i] === 0) || !fullEnd) {
        throw new Error(`basic-pitch conversion: ${n.name} slices the batch dimension`);
      }
      outShape.push(BATCH);
      d++;
      continue;
    }
    // TF's rules: masked ends take the whole extent in the step's direction; others wrap, then clamp.
    let b = fullBegin ? (step > 0 ? 0 : dim - 1) : wrap(begin[i] as number);
    let e = fullEnd ? (step > 0 ? dim : -1) : wrap(end[i] as number);
    if (step > 0) {
      b = Math.min(Math.max(b, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
    } else {
      b = Math.min(Math.max(b, -1), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
    }
    ranges[d] = { start: b, end: e, step };
    outShape.push(Math.max(0, Math.ceil((e - b) / step)));
    d++;
  }
  for (; d < shape.length; d++) outShape.push(shape[d] as number);
  return { ranges, shrink, newAxes, outShape };
}

function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x === 1) out.push(y);
    else if (y === 1 || y === x) out.push(x);
    else if (x === BATCH || y === BATCH) out.push(BATCH);
    else throw new Error(`basic-pitch conversion: shapes [${a}] and [${b}] do not broadcast`);
  }
  return out;
}

class Converter {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxTensor[] = [];
  private readonly values = new Map<string, Value>();
  private readonly byName = new Map<string, TfNode>();
  private readonly constNames = new Map<Value, string>();
  private counter = 0;
  inputName = '';
  inputShape: number[] = [];

  constructor(
    graph: TfNode[],
    private readonly weights: Map<string, Value>,
    private readonly inputAlias?: string,
  ) {
    for (const n of graph) this.byName.set(n.name, n);
  }

  private fresh(hint: string): string {
    return `${hint}__${this.counter++}`;
  }

  private emit(op: string, inputs: string[], attrs?: Record<string, OnnxAttr>, hint = op): string {
    const out = this.fresh(hint);
    this.nodes.push({ op, inputs, outputs: [out], attrs });
    return out;
  }

  private int64(values: number[], hint: string): string {
    const name = this.fresh(hint);
    this.inits.push({ name, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }

  /** A float operand as an ONNX name (each constant becomes one initialiser, however often used). */
  private operand(v: Value, hint: string): string {
    if (v.kind === 'tensor') return v.name;
    if (v.kind === 'ints') throw new Error(`basic-pitch conversion: integer tensor used as data in ${hint}`);
    let name = this.constNames.get(v);
    if (!name) {
      name = this.fresh(hint);
      this.inits.push({ name, dims: v.shape, data: v.data });
      this.constNames.set(v, name);
    }
    return name;
  }

  private ints(v: Value, n: TfNode): number[] {
    if (v.kind !== 'ints')
      throw new Error(`basic-pitch conversion: ${n.op} ${n.name} needs a constant integer input`);
    return v.data;
  }

  value(ref: string): Value {
    const name = ref.startsWith('^') ? ref.slice(1) : ref.replace(/:0$/, '');
    if (/:\d+$/.test(name)) throw new Error(`basic-pitch conversion: multi-output reference ${ref}`);
    let v = this.values.get(name);
    if (v) return v;
    const w = this.weights.get(name);
    if (w) {
      this.values.set(name, w);
      return w;
    }
    const node = this.byName.get(name);
    if (!node) throw new Error(`basic-pitch conversion: no node or weight named ${name}`);
    v = this.convert(node);
    this.values.set(name, v);
    return v;
  }

  private convert(n: TfNode): Value {
    const ins = (n.input ?? []).filter((s) => !s.startsWith('^')).map((s) => this.value(s));
    const a = ins[0] as Value;
    const b = ins[1] as Value;
    const tag = n.name.split('/').slice(-2).join('/');
    switch (n.op) {
      case 'Placeholder': {
        const dims = (n.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        if (dims.filter((d) => d < 0).length > 1 || (dims.length > 0 && dims.indexOf(BATCH) > 0)) {
          throw new Error(`basic-pitch conversion: input ${n.name} has unknown sizes beyond the batch`);
        }
        this.inputName = this.inputAlias ?? n.name;
        this.inputShape = dims;
        return { kind: 'tensor', shape: dims, name: this.inputName };
      }
      case 'Identity':
        return a;
      case 'Shape':
        return {
          kind: 'ints',
          shape: [a.shape.length],
          data: a.shape.map((d) => (d === BATCH ? Number.NaN : d)),
        };
      case 'Pack': {
        const axis = attrInt(n, 'axis', 0);
        const rank = a.shape.length + 1;
        const ax = axis < 0 ? axis + rank : axis;
        const outShape = [...a.shape.slice(0, ax), ins.length, ...a.shape.slice(ax)];
        if (ins.every((v) => v.kind === 'ints')) {
          if (a.shape.length !== 0)
            throw new Error(`basic-pitch conversion: Pack of integer vectors in ${n.name}`);
          return { kind: 'ints', shape: [ins.length], data: ins.flatMap((v) => this.ints(v, n)) };
        }
        const parts = ins.map((v, i) =>
          this.emit('Unsqueeze', [this.operand(v, tag), this.int64([ax], 'axes')], undefined, `${tag}_${i}`),
        );
        return {
          kind: 'tensor',
          shape: outShape,
          name: this.emit('Concat', parts, { axis: { i: ax } }, tag),
        };
      }
      case 'ConcatV2': {
        const parts = ins.slice(0, -1);
        const axis0 = this.ints(ins[ins.length - 1] as Value, n)[0] as number;
        const rank = (parts[0] as Value).shape.length;
        const axis = axis0 < 0 ? axis0 + rank : axis0;
        const outShape = [...(parts[0] as Value).shape];
        outShape[axis] = parts.reduce((s, v) => s + (v.shape[axis] as number), 0);
        if (parts.every((v) => v.kind === 'ints') && rank === 1) {
          return { kind: 'ints', shape: outShape, data: parts.flatMap((v) => this.ints(v, n)) };
        }
        const names = parts.map((v) => this.operand(v, tag));
        return {
          kind: 'tensor',
          shape: outShape,
          name: this.emit('Concat', names, { axis: { i: axis } }, tag),
        };
      }
      case 'StridedSlice': {
        const [begin, end, strides] = ins.slice(1).map((v) => this.ints(v, n)) as [
          number[],
          number[],
          number[],
        ];
        const spec = resolveStridedSlice(n, a.shape, begin, end, strides);
        if (a.kind === 'ints') {
          if (a.shape.length !== 1 || spec.newAxes.length > 0) {
            throw new Error(
              `basic-pitch conversion: StridedSlice ${n.name} on a constant of rank ${a.shape.length}`,
            );
          }
          const r = spec.ranges[0] as { start: number; end: number; step: number };
          const data: number[] = [];
          for (let i = r.start; r.step > 0 ? i < r.end : i > r.end; i += r.step)
            data.push(a.data[i] as number);
          return { kind: 'ints', shape: spec.outShape, data };
        }
        let x = this.operand(a, tag);
        const axes: number[] = [];
        const starts: number[] = [];
        const ends: number[] = [];
        const steps: number[] = [];
        spec.ranges.forEach((r, d) => {
          const dim = a.shape[d] as number;
          if (dim === BATCH || (r.start === 0 && r.end === dim && r.step === 1)) return;
          axes.push(d);
          starts.push(r.start);
          // ONNX reads a negative end as counted from the back; "before index 0" must be spelled below -dim.
          ends.push(r.end < 0 ? -dim - 1 : r.end);
          steps.push(r.step);
        });
        if (axes.length > 0) {
          x = this.emit(
            'Slice',
            [
              x,
              this.int64(starts, 'starts'),
              this.int64(ends, 'ends'),
              this.int64(axes, 'axes'),
              this.int64(steps, 'steps'),
            ],
            undefined,
            tag,
          );
        }
        if (spec.shrink.length > 0)
          x = this.emit('Squeeze', [x, this.int64(spec.shrink, 'axes')], undefined, tag);
        if (spec.newAxes.length > 0)
          x = this.emit('Unsqueeze', [x, this.int64(spec.newAxes, 'axes')], undefined, tag);
        return { kind: 'tensor', shape: spec.outShape, name: x };
      }
      case 'Reshape': {
        const target = this.ints(b, n);
        const unknown = target.filter((t) => Number.isNaN(t) || t === -1).length;
        if (unknown > 1)
          throw new Error(`basic-pitch conversion: Reshape ${n.name} has ${unknown} unknown sizes`);
        const known = target.filter((t) => !(Number.isNaN(t) || t === -1));
        const inKnown = a.shape.filter((d) => d !== BATCH);
        const hasBatch = a.shape.includes(BATCH);
        const outShape = target.map((t) => {
          if (Number.isNaN(t)) return BATCH;
          if (t !== -1) return t;
          return hasBatch ? BATCH : size(inKnown) / size(known);
        });
        if (hasBatch !== outShape.includes(BATCH) || (!hasBatch && size(outShape) !== size(a.shape))) {
          throw new Error(`basic-pitch conversion: Reshape ${n.name} [${a.shape}] → [${target}]`);
        }
        const shapeName = this.int64(
          outShape.map((d) => (d === BATCH ? -1 : d)),
          'shape',
        );
        return {
          kind: 'tensor',
          shape: outShape,
          name: this.emit('Reshape', [this.operand(a, tag), shapeName], undefined, tag),
        };
      }
      case 'ExpandDims': {
        const axis0 = this.ints(b, n)[0] as number;
        const axis = axis0 < 0 ? axis0 + a.shape.length + 1 : axis0;
        const outShape = [...a.shape.slice(0, axis), 1, ...a.shape.slice(axis)];
        return {
          kind: 'tensor',
          shape: outShape,
          name: this.emit('Unsqueeze', [this.operand(a, tag), this.int64([axis], 'axes')], undefined, tag),
        };
      }
      case 'Squeeze': {
        let dims = attrInts(n, 'squeeze_dims').map((d) => (d < 0 ? d + a.shape.length : d));
        if (dims.length === 0) dims = a.shape.flatMap((d, i) => (d === 1 ? [i] : []));
        if (dims.some((d) => a.shape[d] !== 1))
          throw new Error(`basic-pitch conversion: Squeeze ${n.name} of a non-1 dimension`);
        const outShape = a.shape.filter((_, i) => !dims.includes(i));
        return {
          kind: 'tensor',
          shape: outShape,
          name: this.emit('Squeeze', [this.operand(a, tag), this.int64(dims, 'axes')], undefined, tag),
        };
      }
      case 'Transpose': {
        const perm = this.ints(b, n);
        return {
          kind: 'tensor',
          shape: perm.map((p) => a.shape[p] as number),
          name: this.emit('Transpose', [this.operand(a, tag)], { perm: { ints: perm } }, tag),
        };
      }
      case 'Pad':
      case 'MirrorPad': {
        const p = this.ints(b, n);
        const rank = a.shape.length;
        const before = Array.from({ length: rank }, (_, i) => p[2 * i] as number);
        const after = Array.from({ length: rank }, (_, i) => p[2 * i + 1] as number);
        let mode = 'constant';
        if (n.op === 'MirrorPad') {
          const m = attrString(n, 'mode');
          if (m !== 'REFLECT') throw new Error(`basic-pitch conversion: MirrorPad mode ${m} in ${n.name}`);
          mode = 'reflect'; // numpy's reflect, like TF's REFLECT: the edge sample is not repeated
        }
        const outShape = a.shape.map((d, i) =>
          d === BATCH ? BATCH : d + (before[i] as number) + (after[i] as number),
        );
        if (a.shape.some((d, i) => d === BATCH && (before[i] !== 0 || after[i] !== 0))) {
          throw new Error(`basic-pitch conversion: ${n.name} pads the batch dimension`);
        }
        return {
          kind: 'tensor',
          shape: outShape,
          name: this.emit(
            'Pad',
            [this.operand(a, tag), this.int64([...before, ...after], 'pads')],
            { mode: { s: mode } },
            tag,
          ),
        };
      }
      case 'Conv2D':
      case '_FusedConv2D':
        return this.conv(n, ins, tag);
      case 'Neg':
      case 'Sigmoid':
      case 'Sqrt':
      case 'Log':
        return {
          kind: 'tensor',
          shape: a.shape,
          name: this.emit(n.op, [this.operand(a, tag)], undefined, tag),
        };
      case 'Square': {
        const x = this.operand(a, tag);
        return { kind: 'tensor', shape: a.shape, name: this.emit('Mul', [x, x], undefined, tag) };
      }
      case 'Mul':
      case 'Sub':
      case 'Add':
      case 'AddV2': {
        const op = n.op === 'AddV2' ? 'Add' : n.op;
        return {
          kind: 'tensor',
          shape: broadcast(a.shape, b.shape),
          name: this.emit(op, [this.operand(a, tag), this.operand(b, tag)], undefined, tag),
        };
      }
      case 'DivNoNan': {
        // x / y, and 0 where y == 0 (the division's inf/NaN there is discarded by Where).
        const x = this.operand(a, tag);
        const y = this.operand(b, tag);
        const zero = this.fresh('zero');
        this.inits.push({ name: zero, dims: [], data: new Float32Array(1) });
        const isZero = this.emit('Equal', [y, zero], undefined, tag);
        const q = this.emit('Div', [x, y], undefined, tag);
        return {
          kind: 'tensor',
          shape: broadcast(a.shape, b.shape),
          name: this.emit('Where', [isZero, zero, q], undefined, tag),
        };
      }
      case 'Sum':
      case 'Min':
      case 'Max': {
        const rank = a.shape.length;
        const axes = this.ints(b, n).map((d) => (d < 0 ? d + rank : d));
        const keep = n.attr?.keep_dims?.b === true;
        const outShape = keep
          ? a.shape.map((d, i) => (axes.includes(i) ? 1 : d))
          : a.shape.filter((_, i) => !axes.includes(i));
        const x = this.operand(a, tag);
        // Opset 13: ReduceSum takes axes as an input, ReduceMin/Max as an attribute.
        const name =
          n.op === 'Sum'
            ? this.emit('ReduceSum', [x, this.int64(axes, 'axes')], { keepdims: { i: keep ? 1 : 0 } }, tag)
            : this.emit(
                n.op === 'Min' ? 'ReduceMin' : 'ReduceMax',
                [x],
                { axes: { ints: axes }, keepdims: { i: keep ? 1 : 0 } },
                tag,
              );
        return { kind: 'tensor', shape: outShape, name };
      }
      default:
        throw new Error(`basic-pitch conversion: unsupported op ${n.op} (${n.name})`);
    }
  }

  /** NHWC conv (plain or fused with BiasAdd[, Relu]) as Transpose → Conv → [Relu →] Transpose. */
  private conv(n: TfNode, ins: Value[], tag: string): Value {
    const [x, w, bias] = ins as [Value, Value, Value | undefined];
    if ((attrString(n, 'data_format') ?? 'NHWC') !== 'NHWC')
      throw new Error(`basic-pitch conversion: ${n.name} is not NHWC`);
    if (w.kind !== 'floats' || w.shape.length !== 4)
      throw new Error(`basic-pitch conversion: ${n.name} filter is not a constant`);
    const fused = (n.attr?.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
    if (
      n.op === '_FusedConv2D' &&
      !(fused[0] === 'BiasAdd' && (fused.length === 1 || (fused.length === 2 && fused[1] === 'Relu')))
    ) {
      throw new Error(`basic-pitch conversion: fused ops [${fused}] in ${n.name}`);
    }
    const [kh, kw, ci, co] = w.shape as [number, number, number, number];
    const [, sh, sw] = attrInts(n, 'strides') as [number, number, number, number];
    const dil = attrInts(n, 'dilations');
    const [dh, dw] = dil.length === 4 ? [dil[1] as number, dil[2] as number] : [1, 1];
    const [nb, H, W, C] = x.shape as [number, number, number, number];
    if (C !== ci) throw new Error(`basic-pitch conversion: ${n.name} has ${C} channels, its filter ${ci}`);
    const padding = attrString(n, 'padding');
    let pads = [0, 0, 0, 0];
    let oh: number;
    let ow: number;
    const ekh = dh * (kh - 1) + 1;
    const ekw = dw * (kw - 1) + 1;
    if (padding === 'SAME') {
      oh = Math.ceil(H / sh);
      ow = Math.ceil(W / sw);
      const ph = Math.max(0, (oh - 1) * sh + ekh - H);
      const pw = Math.max(0, (ow - 1) * sw + ekw - W);
      pads = [Math.floor(ph / 2), Math.floor(pw / 2), ph - Math.floor(ph / 2), pw - Math.floor(pw / 2)];
    } else if (padding === 'VALID') {
      oh = Math.floor((H - ekh) / sh) + 1;
      ow = Math.floor((W - ekw) / sw) + 1;
    } else {
      throw new Error(`basic-pitch conversion: padding ${padding} in ${n.name}`);
    }
    // HWIO → OIHW.
    const oihw = new Float32Array(w.data.length);
    for (let h = 0; h < kh; h++)
      for (let k = 0; k < kw; k++)
        for (let i = 0; i < ci; i++)
          for (let o = 0; o < co; o++)
            oihw[((o * ci + i) * kh + h) * kw + k] = w.data[((h * kw + k) * ci + i) * co + o] as number;
    const wName = this.fresh(`${tag}_W`);
    this.inits.push({ name: wName, dims: [co, ci, kh, kw], data: oihw });
    const inputs = [
      this.emit('Transpose', [this.operand(x, tag)], { perm: { ints: [0, 3, 1, 2] } }, tag),
      wName,
    ];
    if (n.op === '_FusedConv2D') {
      if (bias?.kind !== 'floats' || bias.data.length !== co) {
        throw new Error(`basic-pitch conversion: ${n.name} bias is not a constant of ${co}`);
      }
      inputs.push(this.operand(bias, `${tag}_B`));
    }
    let y = this.emit(
      'Conv',
      inputs,
      {
        kernel_shape: { ints: [kh, kw] },
        strides: { ints: [sh, sw] },
        dilations: { ints: [dh, dw] },
        pads: { ints: pads },
      },
      tag,
    );
    if (fused[1] === 'Relu') y = this.emit('Relu', [y], undefined, tag);
    y = this.emit('Transpose', [y], { perm: { ints: [0, 2, 3, 1] } }, tag);
    return { kind: 'tensor', shape: [nb, oh, ow, co], name: y };
  }
}

export interface ConvertedModel {
  /** The ONNX model file's bytes. */
  bytes: Uint8Array;
  inputName: string;
  /** Input shape, -1 for the batch. */
  inputShape: number[];
  /** ONNX output name → shape (-1 for the batch). */
  outputShapes: Record<string, number[]>;
}

/**
 * TF.js graph model → ONNX model bytes (opset 13). `weights`: the concatenated
 * shard files, in the manifest's order.
 */
export function convertTfjsGraph(
  json: TfjsModelJson,
  weights: Uint8Array,
  opts: ConvertOptions,
): ConvertedModel {
  const conv = new Converter(json.modelTopology.node, readWeights(json, weights), opts.inputName);
  const outputs: { name: string; shape: number[] }[] = [];
  for (const [tfName, onnxName] of Object.entries(opts.outputs)) {
    const v = conv.value(tfName);
    if (v.kind !== 'tensor') throw new Error(`basic-pitch conversion: output ${tfName} is a constant`);
    conv.nodes.push({ op: 'Identity', inputs: [v.name], outputs: [onnxName] });
    outputs.push({ name: onnxName, shape: v.shape });
  }
  const dims = (s: number[]) => s.map((d) => (d === BATCH ? 'batch' : d));
  const bytes = encodeOnnxModel(
    {
      name: 'converted_tfjs_graph',
      nodes: conv.nodes,
      initializers: conv.inits,
      inputs: [{ name: conv.inputName, type: ONNX_FLOAT, dims: dims(conv.inputShape) }],
      outputs: outputs.map((o) => ({ name: o.name, type: ONNX_FLOAT, dims: dims(o.shape) })),
    },
    { opset: 13, producer: 'brain2music tfjs-graph converter' },
  );
  return {
    bytes,
    inputName: conv.inputName,
    inputShape: conv.inputShape,
    outputShapes: Object.fromEntries(outputs.map((o) => [o.name, o.shape])),
  };
}
