import { OnnxGraphError } from "../errors.js";
import { type AttributeInput, toAttribute } from "./attributes.js";
import { isDefaultDomain, isStandardOp } from "./default-domain.js";
import { dtypeToOnnx } from "./dtype.js";
import { inferNodeTypes } from "./shape-inference.js";
import { constantShapeValue, inferShapeValue } from "./shape-values.js";
import { fullTensor, int64Tensor, makeTensor, tensorToNumbers } from "./tensor.js";
import type {
  DataType,
  Dim,
  Graph,
  Model,
  Node,
  OpsetImport,
  Tensor,
  TensorData,
  ValueType,
} from "./types.js";

/** The tensor a `Constant` node produces, from `value` or the `value_float(s)`/`value_int(s)` forms. */
function constantNodeValue(node: Node): Tensor | undefined {
  const a = node.attributes;
  if (a.value?.type === "tensor") return a.value.value;
  if (a.value_float?.type === "float") return makeTensor(new Float32Array([a.value_float.value]), []);
  if (a.value_floats?.type === "floats") {
    return makeTensor(Float32Array.from(a.value_floats.value), [a.value_floats.value.length]);
  }
  if (a.value_int?.type === "int") return int64Tensor([a.value_int.value], []);
  if (a.value_ints?.type === "ints") return int64Tensor(a.value_ints.value);
  return undefined;
}

/**
 * The default ai.onnx opset we emit: 18 (ReduceMean/ReduceSum axes as inputs, LayerNormalization-17).
 * onnxruntime-node 1.30 loads opsets up to 25; 18 keeps older peers (≥ 1.22) working.
 *
 * @example
 * ```ts
 * new GraphBuilder().opset === DEFAULT_OPSET; // true
 * ```
 */
export const DEFAULT_OPSET = 18;
/**
 * The IR version matching {@link DEFAULT_OPSET} (onnx 1.13).
 *
 * @example
 * ```ts
 * new GraphBuilder().toModel().irVersion === DEFAULT_IR_VERSION; // true
 * ```
 */
export const DEFAULT_IR_VERSION = 8;

/**
 * Options of {@link GraphBuilder}.
 *
 * @example
 * ```ts
 * const g = new GraphBuilder({ name: "mlp", opset: 18 });
 * ```
 */
export interface GraphBuilderOptions {
  /** Graph name (default `"main"`). */
  name?: string;
  /** ai.onnx opset version (default {@link DEFAULT_OPSET}). */
  opset?: number;
  /** Enclosing builder when this one builds a `Loop`/`If` body that reads outer values. */
  parent?: GraphBuilder;
}

/**
 * Options of one {@link GraphBuilder.op} call.
 *
 * @example
 * ```ts
 * g.op("FusedMatMul", [a, b], { transA: 1 }, { domain: "com.microsoft", name: "fmm" });
 * ```
 */
export interface OpOptions {
  /** Node name hint (made unique); default: the op type. */
  name?: string;
  /** Op domain (default `""`, ai.onnx). */
  domain?: string;
  /** Output names to use instead of generated ones. */
  outputs?: readonly string[];
}

/**
 * Emits ONNX nodes ergonomically: unique names, constants as initializers, dtype/shape inference as you
 * go (so gradients and later ops know ranks), and a check that every input name exists.
 *
 * @example
 * ```ts
 * const g = new GraphBuilder();
 * const x = g.input("x", "float32", ["batch", 4]);
 * const w = g.initializer("w", makeTensor(new Float32Array(12), [4, 3]));
 * const y = g.op("MatMul", [x, w]);
 * const s = g.op("ReduceSum", [y, g.int64s([1])], { keepdims: 0 });
 * g.output(s);
 * const bytes = encodeModel(g.toModel());
 * ```
 */
export class GraphBuilder {
  /** The graph under construction (mutable; nodes are appended in topological order). */
  readonly graph: Graph;
  /** ai.onnx opset version the ops are emitted for. */
  readonly opset: number;
  private readonly parent: GraphBuilder | undefined;
  private readonly types = new Map<string, ValueType>();
  private readonly defined = new Set<string>();
  private readonly constants = new Map<string, Tensor>();
  private readonly values = new Map<string, readonly Dim[]>();
  private readonly used = new Set<string>();
  private readonly domains = new Map<string, number>();
  private prefix = "";

  constructor(options: GraphBuilderOptions = {}) {
    this.graph = {
      name: options.name ?? "main",
      nodes: [],
      inputs: [],
      outputs: [],
      initializers: new Map(),
      valueInfo: [],
    };
    this.opset = options.opset ?? options.parent?.opset ?? DEFAULT_OPSET;
    this.parent = options.parent;
  }

  /**
   * A builder that continues an existing model's main graph (used by autodiff): infers the types of
   * every node already there. The model's graph is modified in place.
   *
   * @example
   * ```ts
   * const g = GraphBuilder.fromModel(decodeModel(bytes));
   * ```
   */
  static fromModel(model: Model): GraphBuilder {
    const opset = model.opsetImports.find((o) => isDefaultDomain(o.domain))?.version;
    const g = new GraphBuilder(opset === undefined ? {} : { opset });
    for (const o of model.opsetImports) {
      if (!isDefaultDomain(o.domain)) g.domains.set(o.domain, o.version);
    }
    g.adopt(model.graph);
    return g;
  }

  private adopt(graph: Graph): void {
    Object.assign(this.graph, { ...graph });
    const inputNames = new Set(graph.inputs.map((i) => i.name));
    for (const v of graph.inputs) this.declare(v.name, v);
    for (const [name, t] of graph.initializers) {
      this.declare(name, { dtype: t.dtype, shape: t.dims });
      if (!inputNames.has(name)) this.setConstant(name, t);
    }
    for (const v of graph.valueInfo) this.declare(v.name, v);
    for (const node of graph.nodes) {
      this.used.add(node.name);
      this.recordNode(node);
    }
    for (const v of graph.outputs) if (!this.types.has(v.name)) this.types.set(v.name, v);
  }

  private declare(name: string, type: ValueType | undefined): void {
    this.used.add(name);
    this.defined.add(name);
    if (type !== undefined) this.types.set(name, type);
  }

  private recordNode(node: Node): void {
    if (isStandardOp(node, "Constant")) {
      const out = node.outputs[0];
      const value = constantNodeValue(node);
      if (value !== undefined && out !== undefined) this.setConstant(out, value);
    }
    const outs = inferNodeTypes(node, this);
    node.outputs.forEach((name, i) => {
      if (name === "") return;
      const known = this.types.get(name);
      this.declare(name, outs[i] ?? known);
    });
    const first = node.outputs[0];
    if (first !== undefined && first !== "" && !this.values.has(first)) {
      const dtype = this.types.get(first)?.dtype;
      if (dtype === "int64" || dtype === "int32") {
        const value = inferShapeValue(node, this);
        if (value !== undefined) this.values.set(first, value);
      }
    }
  }

  private setConstant(name: string, tensor: Tensor): void {
    this.constants.set(name, tensor);
    const value = constantShapeValue(tensor);
    if (value !== undefined) this.values.set(name, value);
  }

  /**
   * Known element values of a small integer tensor (a constant, or a shape computed with Shape, Gather,
   * Concat, …), as numbers or symbolic dims.
   *
   * @example
   * ```ts
   * g.valueOf(g.op("Shape", [ids])); // ["batch", "seq"]
   * ```
   */
  valueOf(name: string): readonly Dim[] | undefined {
    return this.values.get(name) ?? this.parent?.valueOf(name);
  }

  /**
   * A name not used yet in this graph, built from `hint` and the current scope.
   *
   * @example
   * ```ts
   * g.uniqueName("proj"); // "proj", then "proj_1", …
   * ```
   */
  uniqueName(hint: string): string {
    const base = this.prefix + hint;
    let name = base;
    for (let i = 1; this.used.has(name) || this.parent?.isDefined(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /**
   * Runs `fn` with `scope/` prepended to generated names (nested scopes concatenate), like
   * `model.layers.0/attn/MatMul`.
   *
   * @example
   * ```ts
   * const h = g.scoped("layers.0", () => block(g, x));
   * ```
   */
  scoped<T>(scope: string, fn: () => T): T {
    const saved = this.prefix;
    this.prefix = `${saved}${scope}/`;
    try {
      return fn();
    } finally {
      this.prefix = saved;
    }
  }

  /** Whether `name` is a value visible in this graph (or an enclosing one). */
  isDefined(name: string): boolean {
    return this.defined.has(name) || (this.parent?.isDefined(name) ?? false);
  }

  /**
   * The inferred dtype and shape of a value, if known.
   *
   * @example
   * ```ts
   * g.typeOf(y)?.shape; // ["batch", 3]
   * ```
   */
  typeOf(name: string): ValueType | undefined {
    return this.types.get(name) ?? this.parent?.typeOf(name);
  }

  /**
   * Records a value's type (for values whose type inference could not find, e.g. custom-op outputs).
   *
   * @example
   * ```ts
   * g.setType("custom_out", { dtype: "float32", shape: ["batch", 8] });
   * ```
   */
  setType(name: string, type: ValueType): void {
    this.types.set(name, type);
  }

  /**
   * The value of a constant (an initializer that is not a graph input, or a `Constant` output).
   *
   * @example
   * ```ts
   * g.constantOf(g.int64s([1, 2])); // the int64 tensor [1, 2]
   * ```
   */
  constantOf(name: string): Tensor | undefined {
    return this.constants.get(name) ?? this.parent?.constantOf(name);
  }

  /**
   * A constant's values as numbers, or `undefined` if `name` is not a constant.
   *
   * @example
   * ```ts
   * g.constantNumbers(g.int64s([0, -1])); // [0, -1]
   * ```
   */
  constantNumbers(name: string): number[] | undefined {
    const t = this.constantOf(name);
    return t === undefined ? undefined : tensorToNumbers(t);
  }

  /**
   * Declares a graph input and returns its name.
   *
   * @example
   * ```ts
   * const ids = g.input("input_ids", "int64", ["batch", "seq"]);
   * ```
   */
  input(name: string, dtype: DataType, shape?: readonly Dim[]): string {
    if (this.defined.has(name))
      throw new OnnxGraphError(`value \`${name}\` is already defined`, { subject: name });
    const info = shape === undefined ? { name, dtype } : { name, dtype, shape: [...shape] };
    this.graph.inputs.push(info);
    this.declare(name, info);
    return name;
  }

  /**
   * Adds a named initializer (a weight) and returns its name. With `asInput`, it is also a graph input,
   * so a caller may feed a new value at run time.
   *
   * @example
   * ```ts
   * const w = g.initializer("lm_head.weight", makeTensor(data, [vocab, hidden]));
   * ```
   */
  initializer(name: string, tensor: Tensor, options: { asInput?: boolean } = {}): string {
    if (this.defined.has(name))
      throw new OnnxGraphError(`value \`${name}\` is already defined`, { subject: name });
    this.graph.initializers.set(name, tensor);
    this.declare(name, { dtype: tensor.dtype, shape: tensor.dims });
    if (options.asInput === true) {
      this.graph.inputs.push({ name, dtype: tensor.dtype, shape: [...tensor.dims] });
    } else {
      this.setConstant(name, tensor);
    }
    return name;
  }

  /**
   * Adds an anonymous constant tensor (stored as an initializer) and returns its generated name.
   *
   * @example
   * ```ts
   * const half = g.constant(new Float32Array([0.5]), []);
   * ```
   */
  constant(data: TensorData, dims: readonly number[], dtype?: DataType, hint = "const"): string {
    return this.initializer(this.uniqueName(hint), makeTensor(data, dims, dtype));
  }

  /**
   * A scalar constant of a numeric dtype.
   *
   * @example
   * ```ts
   * const eps = g.scalar(1e-6, "float32");
   * ```
   */
  scalar(value: number, dtype: DataType): string {
    return this.initializer(this.uniqueName("scalar"), fullTensor(value, [], dtype));
  }

  /**
   * A 1-D int64 constant, as shapes and axes are given to ONNX ops.
   *
   * @example
   * ```ts
   * g.op("Reshape", [x, g.int64s([0, 0, heads, headDim])]);
   * ```
   */
  int64s(values: readonly number[]): string {
    return this.initializer(this.uniqueName("ints"), int64Tensor(values));
  }

  /**
   * Appends a node with one output and returns the output name.
   *
   * @example
   * ```ts
   * const y = g.op("Softmax", [scores], { axis: -1 });
   * const z = g.op("Gemm", [a, b, c], { alpha: 1, transB: 1 });
   * ```
   */
  op(
    opType: string,
    inputs: readonly (string | undefined)[],
    attributes: Record<string, AttributeInput> = {},
    options: OpOptions = {},
  ): string {
    const [out] = this.opN(opType, inputs, 1, attributes, options);
    if (out === undefined) throw new OnnxGraphError(`op ${opType} produced no output`);
    return out;
  }

  /**
   * Appends a node with `count` outputs and returns their names (e.g. Split, LayerNormalization with
   * its mean and inverse std).
   *
   * @example
   * ```ts
   * const [left, right] = g.opN("Split", [x, g.int64s([2, 2])], 2, { axis: -1 });
   * ```
   */
  opN(
    opType: string,
    inputs: readonly (string | undefined)[],
    count: number,
    attributes: Record<string, AttributeInput> = {},
    options: OpOptions = {},
  ): string[] {
    const name = this.uniqueName(options.name ?? opType);
    const ins = inputs.map((i) => i ?? "");
    for (const i of ins) {
      if (i !== "" && !this.isDefined(i)) {
        throw new OnnxGraphError(`input \`${i}\` of ${opType} node \`${name}\` is not defined`, {
          subject: i,
        });
      }
    }
    const outputs =
      options.outputs === undefined
        ? Array.from({ length: count }, (_, k) => (count === 1 ? name : this.uniqueName(`${name}_out${k}`)))
        : [...options.outputs];
    for (const o of outputs) {
      if (o !== "" && this.defined.has(o))
        throw new OnnxGraphError(`value \`${o}\` is already defined`, { subject: o });
    }
    const attrs: Node["attributes"] = {};
    for (const [key, value] of Object.entries(attributes)) attrs[key] = toAttribute(key, value);
    const domain = options.domain ?? "";
    if (domain !== "" && !this.domains.has(domain)) this.domains.set(domain, 1);
    const node: Node = { name, opType, domain, inputs: ins, outputs, attributes: attrs };
    this.graph.nodes.push(node);
    this.recordNode(node);
    return outputs;
  }

  /**
   * `Cast` to a dtype.
   *
   * @example
   * ```ts
   * const maskF = g.cast(mask, "float32");
   * ```
   */
  cast(x: string, to: DataType): string {
    return this.op("Cast", [x], { to: dtypeToOnnx(to) });
  }

  /**
   * Declares a graph output (its type from inference unless given) and returns its name.
   *
   * @example
   * ```ts
   * g.output(loss);
   * ```
   */
  output(name: string, type?: ValueType): string {
    const t = type ?? this.typeOf(name);
    if (t === undefined) {
      throw new OnnxGraphError(`output \`${name}\` has no known type: pass its type to output()`, {
        subject: name,
      });
    }
    if (!this.isDefined(name))
      throw new OnnxGraphError(`output \`${name}\` is not defined`, { subject: name });
    this.graph.outputs.push(
      t.shape === undefined ? { name, dtype: t.dtype } : { name, dtype: t.dtype, shape: [...t.shape] },
    );
    return name;
  }

  /**
   * The opsets this graph needs: ai.onnx at {@link GraphBuilder.opset} plus every other domain used.
   *
   * @example
   * ```ts
   * g.opsetImports(); // [{ domain: "", version: 18 }]
   * ```
   */
  opsetImports(): OpsetImport[] {
    return [
      { domain: "", version: this.opset },
      ...[...this.domains].map(([domain, version]) => ({ domain, version })),
    ];
  }

  /**
   * The finished model around this graph.
   *
   * @example
   * ```ts
   * const model = g.toModel({ producerName: "my-tool" });
   * ```
   */
  toModel(
    meta: { producerName?: string; producerVersion?: string; metadata?: Record<string, string> } = {},
  ): Model {
    return {
      graph: this.graph,
      opsetImports: this.opsetImports(),
      irVersion: DEFAULT_IR_VERSION,
      producerName: meta.producerName ?? "@apo/trainer",
      producerVersion: meta.producerVersion ?? "0.1.0",
      metadata: meta.metadata ?? {},
    };
  }
}
