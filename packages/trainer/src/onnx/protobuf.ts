import pkg from "onnx-proto";
import { OnnxGraphError } from "../errors.js";
import { bytesOfData, dataFromBytes, dtypeByteSize, dtypeFromOnnx, dtypeToOnnx } from "./dtype.js";
import { sizeOf } from "./tensor.js";
import type {
  AttributeValue,
  Dim,
  FunctionDef,
  Graph,
  Model,
  Node,
  Tensor,
  TensorData,
  ValueInfo,
} from "./types.js";

const { onnx } = pkg;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type ITensorProto = Parameters<typeof onnx.TensorProto.create>[0] & object;
type IGraphProto = Parameters<typeof onnx.GraphProto.create>[0] & object;
type IValueInfoProto = Parameters<typeof onnx.ValueInfoProto.create>[0] & object;
type IAttributeProto = Parameters<typeof onnx.AttributeProto.create>[0] & object;
type INodeProto = Parameters<typeof onnx.NodeProto.create>[0] & object;
type IFunctionProto = Parameters<typeof onnx.FunctionProto.create>[0] & object;
type GraphProto = InstanceType<typeof onnx.GraphProto>;
type AttrType = (typeof onnx.AttributeProto.AttributeType)[keyof typeof onnx.AttributeProto.AttributeType];

/**
 * Where an initializer's bytes live outside the model file (ONNX external data).
 *
 * @example
 * ```ts
 * const where: ExternalLocation = { location: "model.onnx.data", offset: 0, length: 4096 };
 * ```
 */
export interface ExternalLocation {
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * Hooks of {@link encodeModel}.
 *
 * @example
 * ```ts
 * encodeModel(model, { externalize: (name, bytes) => (bytes.length > 1024 ? store(bytes) : undefined) });
 * ```
 */
export interface EncodeOptions {
  /** Called for each numeric initializer; return a location to store it outside the model. */
  externalize?: (name: string, bytes: Uint8Array) => ExternalLocation | undefined;
}

/**
 * Hooks of {@link decodeModel}.
 *
 * @example
 * ```ts
 * decodeModel(bytes, { readExternal: ({ location, offset, length }) => read(location, offset, length) });
 * ```
 */
export interface DecodeOptions {
  /**
   * Reads the bytes of an externally stored tensor; required if the model has external data. The
   * returned array is handed over: the tensor may keep a view of it.
   */
  readExternal?: (where: ExternalLocation) => Uint8Array;
}

function num(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "number" ? v : v.toNumber();
}

const text = new TextEncoder();
const untext = new TextDecoder();

function tensorToProto(name: string, t: Tensor, options: EncodeOptions): ITensorProto {
  const proto: ITensorProto = { name, dims: [...t.dims], dataType: dtypeToOnnx(t.dtype) };
  if (Array.isArray(t.data)) {
    proto.stringData = t.data.map((s) => text.encode(s));
    return proto;
  }
  const bytes = bytesOfData(t.data);
  const where = options.externalize?.(name, bytes);
  if (where === undefined) {
    proto.rawData = bytes;
    return proto;
  }
  proto.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  proto.externalData = [
    { key: "location", value: where.location },
    { key: "offset", value: String(where.offset) },
    { key: "length", value: String(where.length) },
  ];
  return proto;
}

function tensorFromProto(p: TensorProto, options: DecodeOptions): Tensor {
  const dtype = dtypeFromOnnx(p.dataType);
  const dims = p.dims.map(num);
  const size = sizeOf(dims);
  let data: TensorData;
  if (p.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const entries = new Map(p.externalData.map((e) => [e.key ?? "", e.value ?? ""]));
    const location = entries.get("location");
    if (location === undefined)
      throw new OnnxGraphError(`tensor \`${p.name}\` has external data without a location`);
    const offset = Number(entries.get("offset") ?? "0");
    const length = Number(entries.get("length") ?? String(size * dtypeByteSize(dtype)));
    if (options.readExternal === undefined) {
      throw new OnnxGraphError(
        `tensor \`${p.name}\` is stored in external file \`${location}\`: load the model with readModel(path)`,
        { subject: p.name },
      );
    }
    // readExternal hands over a fresh buffer, so the tensor can view it instead of copying.
    data = dataFromBytes(dtype, options.readExternal({ location: String(location), offset, length }), {
      view: true,
    });
  } else if (p.rawData.length > 0 || (size > 0 && dtype !== "string" && hasNoTypedField(p))) {
    data = dataFromBytes(dtype, p.rawData);
  } else {
    data = typedFieldData(p, dtype);
  }
  if (data.length !== size) {
    throw new OnnxGraphError(
      `tensor \`${p.name}\` has ${data.length} values but dims [${dims.join(", ")}] need ${size}`,
      {
        subject: p.name,
      },
    );
  }
  return { dtype, dims, data };
}

function hasNoTypedField(p: TensorProto): boolean {
  return (
    p.floatData.length === 0 &&
    p.int32Data.length === 0 &&
    p.int64Data.length === 0 &&
    p.doubleData.length === 0 &&
    p.uint64Data.length === 0
  );
}

function typedFieldData(p: TensorProto, dtype: Tensor["dtype"]): TensorData {
  switch (dtype) {
    case "float32":
      return Float32Array.from(p.floatData);
    case "float64":
      return Float64Array.from(p.doubleData);
    case "int64":
      return BigInt64Array.from(p.int64Data, (v) => BigInt(typeof v === "number" ? v : v.toString()));
    case "uint64":
      return BigUint64Array.from(p.uint64Data, (v) => BigInt(typeof v === "number" ? v : v.toString()));
    case "uint32":
      return Uint32Array.from(p.uint64Data, num);
    case "string":
      return p.stringData.map((s) => untext.decode(s));
    case "int32":
      return Int32Array.from(p.int32Data);
    case "int16":
      return Int16Array.from(p.int32Data);
    case "int8":
      return Int8Array.from(p.int32Data);
    case "uint16":
    case "float16":
    case "bfloat16":
      return Uint16Array.from(p.int32Data);
    case "uint8":
    case "bool":
      return Uint8Array.from(p.int32Data);
  }
}

function valueInfoToProto(v: ValueInfo): IValueInfoProto {
  const tensorType: { elemType: number; shape?: { dim: object[] } } = { elemType: dtypeToOnnx(v.dtype) };
  if (v.shape !== undefined) {
    tensorType.shape = {
      dim: v.shape.map((d) =>
        typeof d === "number" ? { dimValue: d } : typeof d === "string" ? { dimParam: d } : {},
      ),
    };
  }
  return { name: v.name, type: { tensorType } };
}

function valueInfoFromProto(p: InstanceType<typeof onnx.ValueInfoProto>): ValueInfo | undefined {
  const tt = p.type?.tensorType;
  if (tt === null || tt === undefined) return undefined;
  const dtype = dtypeFromOnnx(tt.elemType ?? 0);
  if (tt.shape === null || tt.shape === undefined) return { name: p.name, dtype };
  const shape: Dim[] = (tt.shape.dim ?? []).map((d) => {
    if (d.dimParam !== null && d.dimParam !== undefined && d.dimParam !== "") return d.dimParam;
    if (d.dimValue !== null && d.dimValue !== undefined) return num(d.dimValue);
    return null;
  });
  return { name: p.name, dtype, shape };
}

const A = onnx.AttributeProto.AttributeType;

function attributeToProto(name: string, a: AttributeValue, options: EncodeOptions): IAttributeProto {
  switch (a.type) {
    case "ref":
      return { name, type: a.refType, refAttrName: a.value };
    case "float":
      return { name, type: A.FLOAT, f: a.value };
    case "int":
      return { name, type: A.INT, i: a.value };
    case "string":
      return { name, type: A.STRING, s: text.encode(a.value) };
    case "tensor":
      return { name, type: A.TENSOR, t: tensorToProto("", a.value, {}) };
    case "graph":
      return { name, type: A.GRAPH, g: graphToProto(a.value, options) };
    case "floats":
      return { name, type: A.FLOATS, floats: [...a.value] };
    case "ints":
      return { name, type: A.INTS, ints: [...a.value] };
    case "strings":
      return { name, type: A.STRINGS, strings: a.value.map((s) => text.encode(s)) };
    case "tensors":
      return { name, type: A.TENSORS, tensors: a.value.map((t) => tensorToProto("", t, {})) };
    case "graphs":
      return { name, type: A.GRAPHS, graphs: a.value.map((g) => graphToProto(g, options)) };
  }
}

function attributeFromProto(
  p: InstanceType<typeof onnx.AttributeProto>,
  options: DecodeOptions,
): AttributeValue {
  if (p.refAttrName) return { type: "ref", value: p.refAttrName, refType: p.type };
  const type: AttrType = p.type;
  switch (type) {
    case A.FLOAT:
      return { type: "float", value: p.f };
    case A.INT:
      return { type: "int", value: num(p.i) };
    case A.STRING:
      return { type: "string", value: untext.decode(p.s) };
    case A.TENSOR:
      if (p.t === null || p.t === undefined) break;
      return { type: "tensor", value: tensorFromProto(onnx.TensorProto.fromObject(p.t), options) };
    case A.GRAPH:
      if (p.g === null || p.g === undefined) break;
      return { type: "graph", value: graphFromProto(onnx.GraphProto.fromObject(p.g), options) };
    case A.FLOATS:
      return { type: "floats", value: [...p.floats] };
    case A.INTS:
      return { type: "ints", value: p.ints.map(num) };
    case A.STRINGS:
      return { type: "strings", value: p.strings.map((s) => untext.decode(s)) };
    case A.TENSORS:
      return {
        type: "tensors",
        value: p.tensors.map((t) => tensorFromProto(onnx.TensorProto.fromObject(t), options)),
      };
    case A.GRAPHS:
      return {
        type: "graphs",
        value: p.graphs.map((g) => graphFromProto(onnx.GraphProto.fromObject(g), options)),
      };
    default:
      break;
  }
  throw new OnnxGraphError(`attribute \`${p.name}\` has unsupported type ${p.type}`, { subject: p.name });
}

function nodeToProto(n: Node, options: EncodeOptions): INodeProto {
  const proto: INodeProto = {
    name: n.name,
    opType: n.opType,
    domain: n.domain,
    input: [...n.inputs],
    output: [...n.outputs],
    attribute: Object.entries(n.attributes).map(([k, v]) => attributeToProto(k, v, options)),
  };
  if (n.docString !== undefined) proto.docString = n.docString;
  return proto;
}

function graphToProto(g: Graph, options: EncodeOptions): IGraphProto {
  const proto: IGraphProto = {
    name: g.name,
    node: g.nodes.map((n) => nodeToProto(n, options)),
    initializer: [...g.initializers].map(([name, t]) => tensorToProto(name, t, options)),
    input: g.inputs.map(valueInfoToProto),
    output: g.outputs.map(valueInfoToProto),
    valueInfo: g.valueInfo.map(valueInfoToProto),
  };
  if (g.docString !== undefined) proto.docString = g.docString;
  return proto;
}

function nodeFromProto(n: INodeProto, options: DecodeOptions): Node {
  const node: Node = {
    name: n.name ?? "",
    opType: n.opType ?? "",
    domain: n.domain ?? "",
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attributes: {},
  };
  for (const a of n.attribute ?? []) {
    node.attributes[a.name ?? ""] = attributeFromProto(onnx.AttributeProto.fromObject(a), options);
  }
  if (n.docString) node.docString = n.docString;
  return node;
}

function functionToProto(f: FunctionDef, options: EncodeOptions): IFunctionProto {
  const proto: IFunctionProto = {
    name: f.name,
    domain: f.domain,
    input: [...f.inputs],
    output: [...f.outputs],
    attribute: [...f.attributes],
    node: f.nodes.map((n) => nodeToProto(n, options)),
    opsetImport: f.opsetImports.map((o) => ({ domain: o.domain, version: o.version })),
  };
  if (f.docString !== undefined) proto.docString = f.docString;
  return proto;
}

function functionFromProto(p: IFunctionProto, options: DecodeOptions): FunctionDef {
  const f: FunctionDef = {
    name: p.name ?? "",
    domain: p.domain ?? "",
    inputs: [...(p.input ?? [])],
    outputs: [...(p.output ?? [])],
    attributes: [...(p.attribute ?? [])],
    nodes: (p.node ?? []).map((n) => nodeFromProto(n, options)),
    opsetImports: (p.opsetImport ?? []).map((o) => ({ domain: o.domain ?? "", version: num(o.version) })),
  };
  if (p.docString) f.docString = p.docString;
  return f;
}

function graphFromProto(p: GraphProto, options: DecodeOptions): Graph {
  const initializers = new Map<string, Tensor>();
  for (const t of p.initializer)
    initializers.set(t.name ?? "", tensorFromProto(onnx.TensorProto.fromObject(t), options));
  const infos = (list: readonly InstanceType<typeof onnx.ValueInfoProto>[]): ValueInfo[] =>
    list.flatMap((v) => {
      const info = valueInfoFromProto(onnx.ValueInfoProto.fromObject(v));
      return info === undefined ? [] : [info];
    });
  const nodes: Node[] = p.node.map((n) => nodeFromProto(n, options));
  const graph: Graph = {
    name: p.name,
    nodes,
    inputs: infos(p.input as InstanceType<typeof onnx.ValueInfoProto>[]),
    outputs: infos(p.output as InstanceType<typeof onnx.ValueInfoProto>[]),
    initializers,
    valueInfo: infos(p.valueInfo as InstanceType<typeof onnx.ValueInfoProto>[]),
  };
  if (p.docString) graph.docString = p.docString;
  return graph;
}

/**
 * Serialises a model to ONNX protobuf bytes (tensors as little-endian `raw_data`).
 *
 * @example
 * ```ts
 * const bytes = encodeModel(g.toModel());
 * const session = await InferenceSession.create(bytes);
 * ```
 */
export function encodeModel(model: Model, options: EncodeOptions = {}): Uint8Array {
  const proto = onnx.ModelProto.create({
    irVersion: model.irVersion,
    opsetImport: model.opsetImports.map((o) => ({ domain: o.domain, version: o.version })),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    domain: model.domain ?? "",
    modelVersion: model.modelVersion ?? 0,
    docString: model.docString ?? "",
    graph: graphToProto(model.graph, options),
    metadataProps: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
    functions: (model.functions ?? []).map((f) => functionToProto(f, options)),
  });
  return onnx.ModelProto.encode(proto).finish();
}

/**
 * Parses ONNX protobuf bytes into a {@link Model}; external tensors are read through
 * `options.readExternal` (see `readModel` for files).
 *
 * @example
 * ```ts
 * const model = decodeModel(await readFile("model.onnx"));
 * ```
 */
export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): Model {
  let proto: InstanceType<typeof onnx.ModelProto>;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (cause) {
    throw new OnnxGraphError("bytes are not a valid ONNX model (protobuf decode failed)", { cause });
  }
  if (proto.graph === null || proto.graph === undefined) throw new OnnxGraphError("ONNX model has no graph");
  const model: Model = {
    graph: graphFromProto(onnx.GraphProto.fromObject(proto.graph), options),
    opsetImports: proto.opsetImport.map((o) => ({ domain: o.domain ?? "", version: num(o.version) })),
    irVersion: num(proto.irVersion),
    producerName: proto.producerName,
    producerVersion: proto.producerVersion,
    metadata: Object.fromEntries(proto.metadataProps.map((e) => [e.key ?? "", e.value ?? ""])),
  };
  if (proto.domain) model.domain = proto.domain;
  if (num(proto.modelVersion) !== 0) model.modelVersion = num(proto.modelVersion);
  if (proto.docString) model.docString = proto.docString;
  if (proto.functions.length > 0) model.functions = proto.functions.map((f) => functionFromProto(f, options));
  return model;
}
