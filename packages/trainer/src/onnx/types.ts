/**
 * Element type of a tensor, named like onnxruntime-node's `Tensor.type` where one exists
 * (`"float32"`, `"int64"`, `"bool"`, …), plus `"bfloat16"`.
 *
 * @example
 * ```ts
 * const dtype: DataType = "float32";
 * ```
 */
export type DataType =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "bool"
  | "string";

/**
 * Values of a tensor. `bool` is stored as `Uint8Array` (0 or 1); `float16` and `bfloat16` as their raw
 * 16-bit patterns in a `Uint16Array`; `string` as a plain array.
 *
 * @example
 * ```ts
 * const data: TensorData = new Float32Array([1, 2, 3]);
 * ```
 */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

/**
 * A dense tensor: dtype, dims (row-major) and values. Used for initializers, `Constant` values and
 * tensor attributes.
 *
 * @example
 * ```ts
 * const w: Tensor = { dtype: "float32", dims: [2, 2], data: new Float32Array([1, 0, 0, 1]) };
 * ```
 */
export interface Tensor {
  readonly dtype: DataType;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

/**
 * One dimension of a value's shape: a known size, a symbolic name shared by equal dims (`"batch"`), or
 * `null` when unknown.
 *
 * @example
 * ```ts
 * const shape: Dim[] = ["batch", "seq", 64];
 * ```
 */
export type Dim = number | string | null;

/**
 * What is known about a value: its dtype and, when its rank is known, its shape.
 *
 * @example
 * ```ts
 * const x: ValueType = { dtype: "float32", shape: ["batch", 16] };
 * ```
 */
export interface ValueType {
  readonly dtype: DataType;
  /** Absent when the rank is unknown. */
  readonly shape?: readonly Dim[];
}

/**
 * A named, typed graph input, output or intermediate value (ONNX `ValueInfoProto`).
 *
 * @example
 * ```ts
 * const input: ValueInfo = { name: "ids", dtype: "int64", shape: ["batch", "seq"] };
 * ```
 */
export interface ValueInfo extends ValueType {
  readonly name: string;
}

/**
 * A node attribute, tagged by its ONNX attribute type. `graph`/`graphs` hold the bodies of `Loop`, `If`
 * and `Scan`.
 *
 * @example
 * ```ts
 * const axis: AttributeValue = { type: "int", value: -1 };
 * const eps: AttributeValue = { type: "float", value: 1e-5 };
 * ```
 */
export type AttributeValue =
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "int"; readonly value: number }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "tensor"; readonly value: Tensor }
  | { readonly type: "graph"; readonly value: Graph }
  | { readonly type: "floats"; readonly value: readonly number[] }
  | { readonly type: "ints"; readonly value: readonly number[] }
  | { readonly type: "strings"; readonly value: readonly string[] }
  | { readonly type: "tensors"; readonly value: readonly Tensor[] }
  | { readonly type: "graphs"; readonly value: readonly Graph[] }
  /** Inside a function body: takes the caller's attribute `value` (ONNX `ref_attr_name`). */
  | { readonly type: "ref"; readonly value: string; readonly refType: number };

/**
 * One operator application. An empty string in `inputs` marks an omitted optional input.
 *
 * @example
 * ```ts
 * const node: Node = {
 *   name: "mm_0", opType: "MatMul", domain: "", inputs: ["x", "w"], outputs: ["y"], attributes: {},
 * };
 * ```
 */
export interface Node {
  name: string;
  opType: string;
  /** `""` for the default ONNX domain, `"com.microsoft"` for ORT contrib ops. */
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
  docString?: string;
}

/**
 * A computation graph (ONNX `GraphProto`): nodes in topological order, graph inputs and outputs,
 * initializers (weights) by name, and optional type annotations of intermediate values.
 *
 * @example
 * ```ts
 * const graph: Graph = {
 *   name: "main", nodes: [], inputs: [], outputs: [], initializers: new Map(), valueInfo: [],
 * };
 * ```
 */
export interface Graph {
  name: string;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, Tensor>;
  valueInfo: ValueInfo[];
  docString?: string;
}

/**
 * An operator set the model uses: `""` (ai.onnx) with its version, or another domain such as
 * `"com.microsoft"`.
 *
 * @example
 * ```ts
 * const opset: OpsetImport = { domain: "", version: 18 };
 * ```
 */
export interface OpsetImport {
  readonly domain: string;
  readonly version: number;
}

/**
 * A model-local function (ONNX `FunctionProto`): nodes calling `domain`/`name` run `nodes` with the
 * function's `inputs`/`outputs` bound to theirs. `inlineFunctions` expands the calls.
 *
 * @example
 * ```ts
 * const fn: FunctionDef = {
 *   name: "Square", domain: "local", inputs: ["x"], outputs: ["y"], attributes: [],
 *   nodes: [{ name: "m", opType: "Mul", domain: "", inputs: ["x", "x"], outputs: ["y"], attributes: {} }],
 *   opsetImports: [{ domain: "", version: 18 }],
 * };
 * ```
 */
export interface FunctionDef {
  name: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  /** Names of the attributes a call may set (referenced with `{ type: "ref" }` in the body). */
  attributes: string[];
  nodes: Node[];
  opsetImports: OpsetImport[];
  docString?: string;
}

/**
 * A whole model (ONNX `ModelProto`): the main graph plus the opsets and metadata.
 *
 * @example
 * ```ts
 * const model: Model = {
 *   graph, opsetImports: [{ domain: "", version: 18 }], irVersion: 8,
 *   producerName: "@apo/trainer", producerVersion: "0.1.0", metadata: {},
 * };
 * ```
 */
export interface Model {
  graph: Graph;
  opsetImports: OpsetImport[];
  irVersion: number;
  producerName: string;
  producerVersion: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  /** `metadata_props` key/value pairs. */
  metadata: Record<string, string>;
  /** Model-local functions (torch.onnx's dynamo exporter emits them). */
  functions?: FunctionDef[];
}
