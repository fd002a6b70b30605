import type { LossMath } from "./loss-math.js";

/** Names of the scalar helpers a generated kernel receives (see `compile-paired-kernel.ts`). */
export const KERNEL_HELPERS = ["softplus", "sigmoid", "logSigmoid", "sigmoidPrime", "log1mexp"] as const;

/**
 * A {@link LossMath} backend that writes JavaScript source instead of computing: every operation appends
 * one `const tN = …;` statement and returns the name `tN`. Running a loss definition through it yields the
 * straight-line body of a float64 loop; `compilePairedKernel` wraps that body in a loop, so the library's
 * hot path runs the very formula of the definition with no per-element calls or allocations.
 *
 * Constants are written with `String(number)`, which round-trips every float64 exactly.
 */
export class JsSourceMath implements LossMath<string> {
  readonly statements: string[] = [];
  private next = 0;

  private emit(expression: string): string {
    const name = `t${this.next++}`;
    this.statements.push(`const ${name} = ${expression};`);
    return name;
  }

  constant(value: number): string {
    return Object.is(value, -0) ? "-0" : `(${String(value)})`;
  }
  add(a: string, b: string): string {
    return this.emit(`${a} + ${b}`);
  }
  sub(a: string, b: string): string {
    return this.emit(`${a} - ${b}`);
  }
  mul(a: string, b: string): string {
    return this.emit(`${a} * ${b}`);
  }
  div(a: string, b: string): string {
    return this.emit(`${a} / ${b}`);
  }
  neg(a: string): string {
    return this.emit(`-${a}`);
  }
  square(a: string): string {
    return this.emit(`${a} * ${a}`);
  }
  exp(a: string): string {
    return this.emit(`Math.exp(${a})`);
  }
  log(a: string): string {
    return this.emit(`Math.log(${a})`);
  }
  max(a: string, b: string): string {
    return this.emit(`${a} > ${b} ? ${a} : ${b}`);
  }
  step(a: string): string {
    return this.emit(`${a} > 0 ? 1 : 0`);
  }
  softplus(a: string): string {
    return this.emit(`softplus(${a})`);
  }
  sigmoid(a: string): string {
    return this.emit(`sigmoid(${a})`);
  }
  logSigmoid(a: string): string {
    return this.emit(`logSigmoid(${a})`);
  }
  sigmoidPrime(a: string): string {
    return this.emit(`sigmoidPrime(${a})`);
  }
  log1mexp(a: string): string {
    return this.emit(`log1mexp(${a})`);
  }
}
