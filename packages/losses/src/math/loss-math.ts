/**
 * The small elementwise algebra every loss is written against, so that one definition runs in two
 * backends: plain JavaScript numbers here ({@link numberMath}), and ONNX graph tensors in
 * `@apo/trainer`, which implements `LossMath<TensorName>` by emitting one standard ONNX node per call.
 *
 * Every operation is elementwise; a graph backend applies it to whole `[batch]` tensors with ONNX
 * broadcasting, the number backend to one example at a time. Batch-level steps (the mean over the batch,
 * AOT's sorting, KTO's KL estimate) live outside the definitions, in the runner.
 *
 * Contract for a backend:
 * - `softplus`, `logSigmoid`, `sigmoid`, `sigmoidPrime`, `log1mexp` must use overflow-free forms
 *   (see `ops/`), or extreme inputs (|x| ≳ 700) turn into Infinity or NaN.
 * - `step(x)` is 1 where x > 0 and 0 elsewhere (used for sub-gradients of `max`); it has no gradient.
 * - `constant(v)` lifts a hyper-parameter (β, ε, …) into the backend.
 *
 * @example
 * ```ts
 * // a backend that prints the formula instead of computing it
 * const show: LossMath<string> = { constant: String, add: (a, b) => `(${a} + ${b})`, ... };
 * ```
 */
export interface LossMath<T> {
  constant(value: number): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  neg(a: T): T;
  square(a: T): T;
  exp(a: T): T;
  log(a: T): T;
  /** max(a, b) elementwise. */
  max(a: T, b: T): T;
  /** 1 where a > 0, else 0. */
  step(a: T): T;
  /** log(1 + eᵃ), overflow-free. */
  softplus(a: T): T;
  /** 1 / (1 + e^(−a)), overflow-free. */
  sigmoid(a: T): T;
  /** log σ(a) = −sp(−a). */
  logSigmoid(a: T): T;
  /** σ(a)·σ(−a) = exp(−sp(a) − sp(−a)). */
  sigmoidPrime(a: T): T;
  /** log(1 − eᵃ) for a ≤ 0. */
  log1mexp(a: T): T;
}
