import { isStandardOp } from "../../onnx/default-domain.js";
import type { Node } from "../../onnx/types.js";
import type { GradContext } from "../grad-context.js";

/** √(2/π) and the cubic coefficient of the tanh approximation of GELU (HF `gelu_new`). */
const C = Math.sqrt(2 / Math.PI);
const A = 0.044715;

/** Whether a constant's single value is `want`, to float32 precision. */
function isScalar(ctx: GradContext, name: string, want: number): boolean {
  const v = ctx.g.constantNumbers(name);
  return v?.length === 1 && Math.abs((v[0] as number) - want) <= 1e-6 * Math.abs(want);
}

/**
 * The non-constant operand of a commutative binary node whose other operand is the constant `want`
 * (`undefined` when it is not `opType` or has no such constant).
 */
function withConstant(
  ctx: GradContext,
  node: Node | undefined,
  opType: string,
  want: number,
): string | undefined {
  if (!isStandardOp(node, opType)) return undefined;
  const [p, q] = [node.inputs[0] ?? "", node.inputs[1] ?? ""];
  if (isScalar(ctx, q, want)) return p;
  if (isScalar(ctx, p, want)) return q;
  return undefined;
}

/** The operand of a commutative binary node other than `x`, when `x` is one of its two operands. */
function otherThan(node: Node, x: string): string | undefined {
  const [p, q] = [node.inputs[0] ?? "", node.inputs[1] ?? ""];
  return p === x ? q : q === x ? p : undefined;
}

/**
 * The gradient of GELU's tanh approximation written in standard ops, as HF `gelu_new` and our GPT-2
 * builder emit it (every intermediate value read only by the next node):
 *
 * ```text
 * y = (0.5·x) ⊙ (1 + tanh(c·(x + a·(x ⊙ x) ⊙ x)))      c = √(2/π), a = 0.044715
 * s = 1 + tanh(…):   dx = dy ⊙ (0.5·s + y ⊙ (2 − s) ⊙ (c + 3ac·x²))
 * ```
 * (from 1 − tanh² = s ⊙ (2 − s) and 0.5·x ⊙ s = y), reusing the forward's s, y and x². Eight passes over x
 * instead of the chain's thirteen and a Sum of five partial gradients of x (the largest element-wise item
 * of GPT-2's backward). Anchored at the final Mul; undefined when the nodes feeding it are not the pattern.
 *
 * @example
 * ```ts
 * const grads = fusedGeluTanhGrad(ctx) ?? plainMulGrad(ctx);
 * ```
 */
export function fusedGeluTanhGrad(ctx: GradContext): (string | undefined)[] | undefined {
  for (const [hi, si] of [
    [0, 1],
    [1, 0],
  ] as const) {
    const h = ctx.privateProducer(ctx.input(hi));
    const s = ctx.privateProducer(ctx.input(si));
    if (h === s) continue;
    const x = withConstant(ctx, h, "Mul", 0.5);
    const tanh = ctx.privateProducer(withConstant(ctx, s, "Add", 1) ?? "", s);
    if (x === undefined || !isStandardOp(tanh, "Tanh")) continue;
    const scaled = ctx.privateProducer(tanh.inputs[0] ?? "", tanh);
    const inner = ctx.privateProducer(withConstant(ctx, scaled, "Mul", C) ?? "", scaled);
    if (!isStandardOp(inner, "Add")) continue;
    const cubic = ctx.privateProducer(otherThan(inner, x) ?? "", inner);
    const cube = ctx.privateProducer(withConstant(ctx, cubic, "Mul", A) ?? "", cubic);
    if (!isStandardOp(cube, "Mul")) continue;
    const x2 = otherThan(cube, x);
    const square = ctx.privateProducer(x2 ?? "", cube);
    if (x2 === undefined || !isStandardOp(square, "Mul")) continue;
    if (square.inputs[0] !== x || square.inputs[1] !== x) continue;
    const { g } = ctx;
    const sv = ctx.input(si);
    const k = g.op("Add", [g.op("Mul", [x2, ctx.scalarLike(3 * A * C, x)]), ctx.scalarLike(C, x)]);
    const tail = g.op("Mul", [g.op("Mul", [ctx.output(0), g.op("Sub", [ctx.scalarLike(2, x), sv])]), k]);
    const slope = g.op("Add", [g.op("Mul", [sv, ctx.scalarLike(0.5, x)]), tail]);
    ctx.contribute(x, g.op("Mul", [ctx.dy(), slope]));
    return [ctx.absorb(0), ctx.absorb(1)];
  }
  return undefined;
}
