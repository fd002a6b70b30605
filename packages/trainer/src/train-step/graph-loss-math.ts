import type { LossMath } from "@apo/losses/define";
import type { FloatType } from "../models/model-family.js";
import type { GraphBuilder } from "../onnx/builder.js";

/** Below this |x|, log(1 − eˣ) uses the series of −expm1(x) (ONNX has no Expm1). */
const SERIES_LIMIT = 1e-3;

/**
 * The ONNX backend of `@apo/losses`' {@link LossMath}: every operation appends standard ONNX nodes to a
 * {@link GraphBuilder} and returns the output tensor's name. A loss definition run through it emits its
 * formula, value and closed-form gradient, as a graph over `[batch]` tensors (ONNX broadcasting makes the
 * per-example formula a batch formula), so a loss added to `@apo/losses` is trainable with no change here.
 *
 * Stable forms, as the interface requires:
 * ```text
 * softplus(x)     = Relu(x) + Log(1 + Exp(−|x|))
 * sigmoidPrime(x) = Exp(−sp(x) − sp(−x))
 * log1mexp(x)     = Log(1 − Exp(x))                      x < −1e-3
 *                 = Log(−x) + Log(1 + x/2 + x²/6 + x³/24)  otherwise (series of −expm1(x)/(−x))
 * ```
 * @example
 * ```ts
 * const m = new GraphLossMath(g, "float32");
 * const out = apoZero.terms(m, { policyChosen: "c", ... }, { beta: 0.1 });
 * g.output(out.loss);
 * ```
 */
export class GraphLossMath implements LossMath<string> {
  private readonly constants = new Map<number, string>();

  constructor(
    readonly g: GraphBuilder,
    readonly dtype: FloatType,
  ) {}

  constant(value: number): string {
    const key = Object.is(value, -0) ? Number.NaN : value;
    let name = this.constants.get(key);
    if (name === undefined) {
      name = this.g.scalar(value, this.dtype);
      this.constants.set(key, name);
    }
    return name;
  }
  add(a: string, b: string): string {
    return this.g.op("Add", [a, b]);
  }
  sub(a: string, b: string): string {
    return this.g.op("Sub", [a, b]);
  }
  mul(a: string, b: string): string {
    return this.g.op("Mul", [a, b]);
  }
  div(a: string, b: string): string {
    return this.g.op("Div", [a, b]);
  }
  neg(a: string): string {
    return this.g.op("Neg", [a]);
  }
  square(a: string): string {
    return this.g.op("Mul", [a, a]);
  }
  exp(a: string): string {
    return this.g.op("Exp", [a]);
  }
  log(a: string): string {
    return this.g.op("Log", [a]);
  }
  max(a: string, b: string): string {
    return this.g.op("Max", [a, b]);
  }
  step(a: string): string {
    return this.g.cast(this.g.op("Greater", [a, this.constant(0)]), this.dtype);
  }
  softplus(a: string): string {
    const tail = this.g.op("Exp", [this.g.op("Neg", [this.g.op("Abs", [a])])]);
    return this.g.op("Add", [
      this.g.op("Relu", [a]),
      this.g.op("Log", [this.g.op("Add", [this.constant(1), tail])]),
    ]);
  }
  sigmoid(a: string): string {
    return this.g.op("Sigmoid", [a]);
  }
  logSigmoid(a: string): string {
    return this.neg(this.softplus(this.neg(a)));
  }
  sigmoidPrime(a: string): string {
    return this.exp(this.neg(this.add(this.softplus(a), this.softplus(this.neg(a)))));
  }
  log1mexp(a: string): string {
    const direct = this.log(this.sub(this.constant(1), this.exp(a)));
    // −expm1(x) = −x·(1 + x/2 + x²/6 + x³/24 + …), Horner form.
    const poly = this.add(
      this.constant(1),
      this.mul(
        a,
        this.add(
          this.constant(1 / 2),
          this.mul(a, this.add(this.constant(1 / 6), this.mul(a, this.constant(1 / 24)))),
        ),
      ),
    );
    const series = this.add(this.log(this.neg(a)), this.log(poly));
    const nearZero = this.g.op("Greater", [a, this.constant(-SERIES_LIMIT)]);
    return this.g.op("Where", [nearZero, series, direct]);
  }
}
