import { logSigmoid } from "../ops/log-sigmoid.js";
import { log1mexp } from "../ops/log1mexp.js";
import { sigmoid } from "../ops/sigmoid.js";
import { sigmoidPrime } from "../ops/sigmoid-prime.js";
import { softplus } from "../ops/softplus.js";
import type { LossMath } from "./loss-math.js";

/**
 * The float64 backend of {@link LossMath}: every loss's JavaScript value and gradient come from it, and it
 * is the oracle the trainer's graph backend is tested against.
 * @example numberMath.softplus(0) // ln 2
 */
export const numberMath: LossMath<number> = {
  constant: (value) => value,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  neg: (a) => -a,
  square: (a) => a * a,
  exp: Math.exp,
  log: Math.log,
  max: (a, b) => Math.max(a, b),
  step: (a) => (a > 0 ? 1 : 0),
  softplus,
  sigmoid,
  logSigmoid,
  sigmoidPrime,
  log1mexp,
};
