/**
 * A small ONNX model writer: encodes a `ModelProto` (the subset of onnx.proto a
 * plain inference graph needs) in protobuf's wire format, in memory. It exists so
 * models we build ourselves (the basic-pitch conversion, the CLAP test stand-ins)
 * need no ONNX tooling and no schema file.
 *
 * Messages are built as lists of byte chunks whose lengths are known, so a
 * nested message is length-prefixed without copying its body; weights are
 * copied once, into the final buffer.
 *
 * Field numbers are onnx.proto's (stable since IR version 3):
 * ModelProto{ir_version 1, producer_name 2, graph 7, opset_import 8},
 * GraphProto{node 1, name 2, initializer 5, input 11, output 12},
 * NodeProto{input 1, output 2, name 3, op_type 4, attribute 5},
 * AttributeProto{name 1, f 2, i 3, s 4, g 6, floats 7, ints 8, type 20},
 * TensorProto{dims 1, data_type 2, name 8, raw_data 9},
 * ValueInfoProto{name 1, type 2}, TypeProto{tensor_type 1}, TypeProto.Tensor{elem_type 1, shape 2},
 * TensorShapeProto{dim 1}, Dimension{dim_value 1, dim_param 2}, OperatorSetIdProto{domain 1, version 2}.
 */

/** TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;
export const ONNX_BOOL = 9;

export type OnnxElemType = typeof ONNX_FLOAT | typeof ONNX_INT32 | typeof ONNX_INT64 | typeof ONNX_BOOL;

/** An initializer: row-major data of `dims` (raw little-endian bytes, as ONNX stores them). */
export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
  /** Needed only for Uint8Array data (BOOL); typed arrays imply it otherwise. */
  type?: OnnxElemType;
}

/** An attribute value: a number is INT unless listed in `floats`; arrays are INTS; `g` a subgraph (If, Loop). */
export type OnnxAttr =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { g: OnnxGraph };

export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  attrs?: Record<string, OnnxAttr>;
}

/** A graph input or output; a string dimension is symbolic ("batch"). */
export interface OnnxValueInfo {
  name: string;
  type: OnnxElemType;
  dims: readonly (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

export interface OnnxModelOptions {
  /** Default-domain opset version (default 13). */
  opset?: number;
  producer?: string;
  /** IR version (default 7: what opset 13 needs; ORT reads anything up to its own). */
  irVersion?: number;
}

const utf8 = new TextEncoder();

/** One protobuf message under construction: a list of chunks and their total length. */
class Message {
  readonly parts: Uint8Array[] = [];
  length = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }

  private tag(field: number, wire: number): void {
    this.push(varint((field << 3) | wire));
  }

  int(field: number, v: number | bigint): this {
    this.tag(field, 0);
    this.push(varint(v));
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.push(varint(b.length));
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  message(field: number, m: Message): this {
    this.tag(field, 2);
    this.push(varint(m.length));
    for (const p of m.parts) this.push(p);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

function varint(n: number | bigint): Uint8Array {
  // Negative int64 values are encoded as their two's complement (10 bytes), as protobuf does.
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Uint8Array.from(out);
}

function elemType(t: OnnxTensor): OnnxElemType {
  if (t.data instanceof Float32Array) return ONNX_FLOAT;
  if (t.data instanceof Int32Array) return ONNX_INT32;
  if (t.data instanceof BigInt64Array) return ONNX_INT64;
  if (t.type === undefined) throw new Error(`ONNX tensor ${t.name}: Uint8Array data needs an explicit type`);
  return t.type;
}

function tensorMessage(t: OnnxTensor): Message {
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (n !== t.data.length) {
    throw new Error(`ONNX tensor ${t.name}: dims [${t.dims}] hold ${n} values, data has ${t.data.length}`);
  }
  const m = new Message();
  for (const d of t.dims) m.int(1, d);
  m.int(2, elemType(t));
  m.string(8, t.name);
  // Typed arrays are little-endian on every platform Node runs on, which is raw_data's byte order.
  m.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return m;
}

function attributeMessage(name: string, a: OnnxAttr): Message {
  const m = new Message().string(1, name);
  if ('i' in a) return m.int(3, a.i).int(20, 2);
  if ('f' in a) return m.float(2, a.f).int(20, 1);
  if ('s' in a) return m.string(4, a.s).int(20, 3);
  if ('g' in a) return m.message(6, graphMessage(a.g)).int(20, 5);
  if ('ints' in a) {
    for (const v of a.ints) m.int(8, v);
    return m.int(20, 7);
  }
  for (const v of a.floats) m.float(7, v);
  return m.int(20, 6);
}

function nodeMessage(n: OnnxNode): Message {
  const m = new Message();
  for (const s of n.inputs) m.string(1, s);
  for (const s of n.outputs) m.string(2, s);
  if (n.name) m.string(3, n.name);
  m.string(4, n.op);
  for (const [k, v] of Object.entries(n.attrs ?? {})) m.message(5, attributeMessage(k, v));
  return m;
}

function valueInfoMessage(v: OnnxValueInfo): Message {
  const shape = new Message();
  for (const d of v.dims) {
    shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  }
  const tensorType = new Message().int(1, v.type).message(2, shape);
  return new Message().string(1, v.name).message(2, new Message().message(1, tensorType));
}

/** A GraphProto; a subgraph (an If branch) may read any value of its enclosing graph by name. */
function graphMessage(graph: OnnxGraph): Message {
  const g = new Message();
  for (const n of graph.nodes) g.message(1, nodeMessage(n));
  g.string(2, graph.name);
  for (const t of graph.initializers) g.message(5, tensorMessage(t));
  for (const v of graph.inputs) g.message(11, valueInfoMessage(v));
  for (const v of graph.outputs) g.message(12, valueInfoMessage(v));
  return g;
}

/** Encodes a complete ONNX model file (the bytes `InferenceSession.create` accepts). */
export function encodeOnnxModel(graph: OnnxGraph, opts: OnnxModelOptions = {}): Uint8Array {
  const g = graphMessage(graph);
  const model = new Message()
    .int(1, opts.irVersion ?? 7)
    .string(2, opts.producer ?? 'brain2music')
    .message(7, g)
    .message(8, new Message().string(1, '').int(2, opts.opset ?? 13));
  return model.finish();
}
