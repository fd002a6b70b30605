import { GradientError } from "../errors.js";
import type { GraphBuilder } from "../onnx/builder.js";
import { dtypeToOnnx } from "../onnx/dtype.js";
import { fullTensor, makeTensor } from "../onnx/tensor.js";
import type { DataType, Dim, Node, Tensor } from "../onnx/types.js";
import { reduceToShape } from "./helpers/unbroadcast.js";

/**
 * What a rule may see of the graph around its node, for rules that fold a neighbouring node's gradient
 * into their own (softmax followed by a product, x · σ(x)). Filled in by `addGradients`.
 *
 * @example
 * ```ts
 * const only = view.consumers(y).length === 1;
 * ```
 */
export interface GradGraphView {
  /** The forward nodes that read a value. */
  consumers(value: string): readonly Node[];
  /** The forward node that produces a value (`undefined` for inputs and initializers). */
  producer(value: string): Node | undefined;
  /** The complete gradient of a value all of whose consumers have been differentiated already. */
  gradientOf(value: string): string | undefined;
  /** Whether a value's own gradient is asked for (a `wrt` value) or it is a graph output. */
  isPinned(value: string): boolean;
  /** Adds a partial gradient to a value upstream of the node (one whose readers were all absorbed). */
  contribute(value: string, grad: string): void;
}

const NO_VIEW: GradGraphView = {
  consumers: () => [],
  producer: () => undefined,
  gradientOf: () => undefined,
  isPinned: () => true,
  contribute: () => {
    throw new Error("no graph view to contribute gradients to");
  },
};

/**
 * What a {@link GradientRule} sees: the forward node, its output gradients, which inputs need gradients,
 * and helpers to emit ops (all emitted into the same graph through `g`).
 *
 * @example
 * ```ts
 * // d/dx exp(x) = exp(x): reuse the forward output
 * const dx = ctx.g.op("Mul", [ctx.dy(), ctx.output(0)]);
 * ```
 */
export class GradContext {
  /** The builder of the graph the gradient ops are appended to. */
  readonly g: GraphBuilder;
  /** The forward node being differentiated. */
  readonly node: Node;
  private readonly outputGrads: readonly (string | undefined)[];
  private readonly wanted: readonly boolean[];
  private readonly view: GradGraphView;
  private readonly absorbedInputs = new Set<number>();

  constructor(
    g: GraphBuilder,
    node: Node,
    outputGrads: readonly (string | undefined)[],
    wanted: readonly boolean[],
    view: GradGraphView = NO_VIEW,
  ) {
    this.g = g;
    this.node = node;
    this.outputGrads = outputGrads;
    this.wanted = wanted;
    this.view = view;
  }

  /**
   * The forward node producing `value` when `reader` (default: this node) is its only reader and the
   * value is neither a graph output nor a `wrt` value: a node whose gradient this rule may fold into its
   * own (then {@link absorb} the input that leads to it).
   */
  privateProducer(value: string, reader: Node = this.node): Node | undefined {
    return value !== "" && this.onlyReader(value) === reader ? this.view.producer(value) : undefined;
  }

  /** The only forward reader of output `i`, when there is exactly one (and it is not pinned). */
  soleConsumer(i: number): Node | undefined {
    return this.onlyReader(this.output(i));
  }

  /** The one forward node reading `value`, unless the value is pinned (graph output or `wrt`). */
  private onlyReader(value: string): Node | undefined {
    if (this.view.isPinned(value)) return undefined;
    const readers = this.view.consumers(value);
    return readers.length === 1 ? readers[0] : undefined;
  }

  /** The complete gradient of a value already differentiated through (an output of a later node). */
  gradientOf(value: string): string | undefined {
    return this.view.gradientOf(value);
  }

  /**
   * Declares that the gradient flowing through input `i` is already included in the gradients this rule
   * returns for the producer's own inputs; input `i` then gets none and its producer is skipped.
   */
  absorb(i: number): undefined {
    this.absorbedInputs.add(i);
    return undefined;
  }

  /**
   * Gives `grad` to `value`, a value upstream of an absorbed input whose only path to this node runs
   * through nodes the rule absorbed (their gradients skipped): the rule computed the gradient with
   * respect to `value` directly.
   */
  contribute(value: string, grad: string): void {
    this.view.contribute(value, grad);
  }

  /** Whether the rule absorbed input `i` (see {@link absorb}). */
  isAbsorbed(i: number): boolean {
    return this.absorbedInputs.has(i);
  }

  /** Name of forward input `i` (`""` when the optional input is omitted). */
  input(i: number): string {
    return this.node.inputs[i] ?? "";
  }

  /** Name of forward output `i`. */
  output(i: number): string {
    const name = this.node.outputs[i];
    if (name === undefined || name === "") throw this.fail(`output ${i} is not produced`);
    return name;
  }

  /** Whether input `i` needs a gradient (it is a float value on a path from a `wrt` value to the loss). */
  needsGrad(i: number): boolean {
    return this.wanted[i] === true;
  }

  /** The gradient of output `i`; throws when output `i` has none (use {@link dyOrZeros} where allowed). */
  dy(i = 0): string {
    const name = this.outputGrads[i];
    if (name === undefined) throw this.fail(`output ${i} has no gradient`);
    return name;
  }

  /** Whether output `i` received a gradient. */
  hasDy(i: number): boolean {
    return this.outputGrads[i] !== undefined;
  }

  /** The gradient of output `i`, or zeros shaped like output `i` when nothing flows back into it. */
  dyOrZeros(i: number): string {
    return this.outputGrads[i] ?? this.zerosLike(this.output(i));
  }

  /** Integer attribute (or `fallback`). */
  intAttr(name: string, fallback: number): number {
    const a = this.node.attributes[name];
    if (a === undefined) return fallback;
    if (a.type !== "int") throw this.fail(`attribute ${name} is ${a.type}, expected int`);
    return a.value;
  }

  /** Float attribute (or `fallback`). */
  floatAttr(name: string, fallback: number): number {
    const a = this.node.attributes[name];
    if (a === undefined) return fallback;
    if (a.type !== "float" && a.type !== "int")
      throw this.fail(`attribute ${name} is ${a.type}, expected float`);
    return a.value;
  }

  /** Integer-list attribute, or `undefined` when absent. */
  intsAttr(name: string): readonly number[] | undefined {
    const a = this.node.attributes[name];
    if (a === undefined) return undefined;
    if (a.type !== "ints") throw this.fail(`attribute ${name} is ${a.type}, expected ints`);
    return a.value;
  }

  /** Values of input `i` when it is a constant (initializer or `Constant`), else `undefined`. */
  constInput(i: number): number[] | undefined {
    const name = this.input(i);
    return name === "" ? undefined : this.g.constantNumbers(name);
  }

  /** Dtype of a value (throws when unknown). */
  dtypeOf(name: string): DataType {
    const t = this.g.typeOf(name);
    if (t === undefined) throw this.fail(`the dtype of \`${name}\` is unknown`);
    return t.dtype;
  }

  /** Static shape of a value if its rank is known (dims may be symbolic or `null`). */
  shapeOf(name: string): readonly Dim[] | undefined {
    return this.g.typeOf(name)?.shape;
  }

  /** Rank of a value (throws when unknown: gradients need ranks). */
  rankOf(name: string): number {
    const shape = this.shapeOf(name);
    if (shape === undefined) throw this.fail(`the rank of \`${name}\` is unknown; give graph inputs shapes`);
    return shape.length;
  }

  /** A `Shape` op of a value (its runtime shape as int64[rank]). */
  shape(name: string): string {
    return this.g.op("Shape", [name]);
  }

  /** An int64 1-D constant. */
  ints(values: readonly number[]): string {
    return this.g.int64s(values);
  }

  /** A scalar constant with the dtype of `like`. */
  scalarLike(value: number, like: string): string {
    const dtype = this.dtypeOf(like);
    if (dtype === "float32" || dtype === "float64" || dtype === "int32" || dtype === "int64") {
      return this.g.initializer(this.g.uniqueName("scalar"), fullTensor(value, [], dtype));
    }
    return this.g.cast(this.g.scalar(value, "float32"), dtype);
  }

  /** Zeros with the runtime shape and dtype of `like` (`ConstantOfShape`). */
  zerosLike(like: string): string {
    return this.zerosOfShape(this.shape(like), this.dtypeOf(like));
  }

  /** Zeros of a runtime shape (an int64[rank] value) and dtype. */
  zerosOfShape(shape: string, dtype: DataType): string {
    const zero: Tensor =
      dtype === "float16" || dtype === "bfloat16"
        ? makeTensor(new Uint16Array(1), [1], dtype)
        : fullTensor(0, [1], dtype);
    return this.g.op("ConstantOfShape", [shape], { value: zero });
  }

  /**
   * `ReduceMean` over constant axes in the form the graph's opset wants (axes as an input from opset 18,
   * as an attribute before).
   */
  reduceMean(x: string, axes: readonly number[], keepdims: boolean): string {
    const keep = keepdims ? 1 : 0;
    return this.g.opset >= 18
      ? this.g.op("ReduceMean", [x, this.ints(axes)], { keepdims: keep })
      : this.g.op("ReduceMean", [x], { axes: [...axes], keepdims: keep });
  }

  /** Throws unless the graph's ai.onnx opset is at least `version` (for ops a rule emits). */
  requireOpset(version: number, why: string): void {
    if (this.g.opset < version) {
      throw this.fail(
        `${why} needs ai.onnx opset ≥ ${version}, the graph has ${this.g.opset}; buildGradientModel upgrades opsets 13–16 to 17`,
      );
    }
  }

  /** `Cast` of `x` to the dtype of `like` when they differ. */
  castLike(x: string, like: string): string {
    const to = this.dtypeOf(like);
    return this.dtypeOf(x) === to ? x : this.g.op("Cast", [x], { to: dtypeToOnnx(to) });
  }

  /**
   * Sums a broadcast gradient back to the shape of `target` (ReduceSum over broadcast axes, then reshape).
   *
   * ```text
   * y = f(a, b) with a: [3, 1], b: [4], y: [2, 3, 4]  →  da = ReduceSum(dy, axes [0, 2]) reshaped to [3, 1]
   * ```
   */
  reduceTo(grad: string, target: string): string {
    return reduceToShape(this, grad, target);
  }

  /** A {@link GradientError} naming this node. */
  fail(message: string): GradientError {
    return new GradientError(`${this.node.opType} node \`${this.node.name}\`: ${message}`, {
      subject: this.node.name,
    });
  }
}
