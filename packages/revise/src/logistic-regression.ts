/**
 * A fitted logistic regression: the coefficients (intercept first), how many Newton steps it took, whether
 * it converged, and the (penalised, weighted) log-likelihood at the fit.
 *
 * @example
 * ```ts
 * const fit: LogisticFit = fitLogisticRegression([[0, 0, 1, 1]], [0, 1, 1, 1]);
 * fit.coefficients[0]; // the intercept
 * ```
 */
export interface LogisticFit {
  /** β₀ (the intercept), then one coefficient per feature column. */
  readonly coefficients: Float64Array;
  readonly iterations: number;
  /**
   * False when the steps did not settle within `maxIterations`: the data are separable (say, every
   * target 1), so the likelihood has no maximum and the coefficients run off towards ±∞. The fitted
   * probabilities still approach their limits (0 or 1).
   */
  readonly converged: boolean;
  readonly logLikelihood: number;
}

/**
 * Options of {@link fitLogisticRegression}.
 *
 * @example
 * ```ts
 * const options: LogisticOptions = { weights: [1, 2, 1], l2: 0 };
 * ```
 */
export interface LogisticOptions {
  /** A weight per row (a bootstrap's counts, say); rows of weight 0 drop out. Default 1 each. */
  readonly weights?: ArrayLike<number>;
  /** A ridge penalty λ/2 · Σ βⱼ² on the feature coefficients (never the intercept); default 0. */
  readonly l2?: number;
  /** Default 100. */
  readonly maxIterations?: number;
  /** Where Newton starts (intercept first); default all 0. A nearby fit (the full sample's, for a bootstrap) saves steps. */
  readonly initial?: ArrayLike<number>;
  /**
   * Stop when no coefficient moves more than `tolerance · max(1, |βⱼ|)`; default 1e-12. A step that
   * raises the log-likelihood by less than 1e-13 per unit of weight also ends the fit: converged when it
   * moved no coefficient more than 1e-4 of itself (so small a gain bounds the step near 1e-6, and
   * Newton's error after it near 1e-12); on separable data the coefficients still move by a few percent
   * a step there.
   */
  readonly tolerance?: number;
}

/** σ(η) = 1 / (1 + e^-η) without overflow. */
export function sigmoid(eta: number): number {
  if (eta >= 0) return 1 / (1 + Math.exp(-eta));
  const e = Math.exp(eta);
  return e / (1 + e);
}

/**
 * Solves the symmetric positive definite system `h · x = g` (p × p, row-major) in place by Cholesky;
 * false when `h` is not positive definite (a feature that never varies among rows of weight > 0).
 */
function solveSpd(h: Float64Array, g: Float64Array, p: number): boolean {
  for (let j = 0; j < p; j++) {
    let d = h[j * p + j] as number;
    for (let k = 0; k < j; k++) d -= (h[j * p + k] as number) ** 2;
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const l = Math.sqrt(d);
    h[j * p + j] = l;
    for (let i = j + 1; i < p; i++) {
      let s = h[i * p + j] as number;
      for (let k = 0; k < j; k++) s -= (h[i * p + k] as number) * (h[j * p + k] as number);
      h[i * p + j] = s / l;
    }
  }
  for (let i = 0; i < p; i++) {
    let s = g[i] as number;
    for (let k = 0; k < i; k++) s -= (h[i * p + k] as number) * (g[k] as number);
    g[i] = s / (h[i * p + i] as number);
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = g[i] as number;
    for (let k = i + 1; k < p; k++) s -= (h[k * p + i] as number) * (g[k] as number);
    g[i] = s / (h[i * p + i] as number);
  }
  return true;
}

/**
 * The rows of a fit with weight above 0, packed: `m` rows of feature columns, targets and weights (the
 * arrays may be longer: a bootstrap reuses its buffers), and the ridge penalty.
 */
export interface Design {
  readonly columns: readonly Float64Array[];
  readonly y: Float64Array;
  readonly w: Float64Array;
  readonly m: number;
  readonly l2: number;
}

/**
 * Fills `out` with σ(η_r) at `b` (one exp a row) and returns the directional derivative of ℓ along `d`
 * there, ∇ℓ(b)·d; with `withLikelihood`, returns ℓ(b) instead (one more log1p a row). One feature (the
 * length-controlled win rate's case) runs without inner loops.
 */
function evaluateAt(
  design: Design,
  b: Float64Array,
  out: Float64Array,
  d: Float64Array,
  withLikelihood: boolean,
): number {
  const { columns, y, w, m, l2 } = design;
  const p = columns.length + 1;
  const b0 = b[0] as number;
  const d0 = d[0] as number;
  let sum = 0;
  if (p === 2) {
    const x1s = columns[0]!;
    const b1 = b[1] as number;
    const d1 = d[1] as number;
    for (let r = 0; r < m; r++) {
      const x1 = x1s[r] as number;
      const eta = b0 + b1 * x1;
      const e = Math.exp(-Math.abs(eta));
      const mu = eta >= 0 ? 1 / (1 + e) : e / (1 + e);
      out[r] = mu;
      const yr = y[r] as number;
      sum += withLikelihood
        ? (w[r] as number) * (yr * eta - (eta > 0 ? eta : 0) - Math.log1p(e))
        : (w[r] as number) * (yr - mu) * (d0 + d1 * x1);
    }
  } else {
    for (let r = 0; r < m; r++) {
      let eta = b0;
      let xd = d0;
      for (let j = 1; j < p; j++) {
        const xj = columns[j - 1]![r] as number;
        eta += (b[j] as number) * xj;
        xd += (d[j] as number) * xj;
      }
      const e = Math.exp(-Math.abs(eta));
      const mu = eta >= 0 ? 1 / (1 + e) : e / (1 + e);
      out[r] = mu;
      const yr = y[r] as number;
      sum += withLikelihood
        ? (w[r] as number) * (yr * eta - (eta > 0 ? eta : 0) - Math.log1p(e))
        : (w[r] as number) * (yr - mu) * xd;
    }
  }
  for (let j = 1; j < p; j++) {
    const bj = b[j] as number;
    sum -= withLikelihood ? (l2 / 2) * bj * bj : l2 * bj * (d[j] as number);
  }
  return sum;
}

/**
 * ∇ℓ and the lower triangle of −∇²ℓ (without the penalty) from the fitted probabilities `mu`: one pass,
 * with the sums of one feature kept in locals.
 */
function gradientAndHessian(design: Design, mu: Float64Array, grad: Float64Array, hess: Float64Array): void {
  const { columns, y, w, m } = design;
  const p = columns.length + 1;
  if (p === 2) {
    const x1s = columns[0]!;
    let g0 = 0;
    let g1 = 0;
    let h00 = 0;
    let h10 = 0;
    let h11 = 0;
    for (let r = 0; r < m; r++) {
      const mr = mu[r] as number;
      const wr = w[r] as number;
      const res = wr * ((y[r] as number) - mr);
      const v = wr * mr * (1 - mr);
      const x1 = x1s[r] as number;
      g0 += res;
      g1 += res * x1;
      h00 += v;
      h10 += v * x1;
      h11 += v * x1 * x1;
    }
    grad[0] = g0;
    grad[1] = g1;
    hess[0] = h00;
    hess[2] = h10;
    hess[3] = h11;
    return;
  }
  grad.fill(0);
  hess.fill(0);
  for (let r = 0; r < m; r++) {
    const mr = mu[r] as number;
    const wr = w[r] as number;
    const res = wr * ((y[r] as number) - mr);
    const v = wr * mr * (1 - mr);
    for (let j = 0; j < p; j++) {
      const xj = j === 0 ? 1 : (columns[j - 1]![r] as number);
      grad[j] = (grad[j] as number) + res * xj;
      const vx = v * xj;
      for (let k = 0; k <= j; k++) {
        const xk = k === 0 ? 1 : (columns[k - 1]![r] as number);
        hess[j * p + k] = (hess[j * p + k] as number) + vx * xk;
      }
    }
  }
}

/**
 * Fits a logistic regression of `targets` on the feature columns `features` (an intercept is added) by
 * maximum likelihood, with Newton's method (IRLS) and step halving: exact to rounding once it converges
 * (quadratically). Targets may be fractions in [0, 1] (a judged tie is 0.5: the quasi-binomial fit
 * AlpacaEval uses for soft preferences), and rows may carry weights.
 *
 * ```text
 * P(y_i = 1) = μ_i = σ(η_i),  η_i = β₀ + Σ_j β_j x_ij
 * ℓ(β) = Σ_i w_i [y_i η_i − log(1 + e^η_i)] − λ/2 Σ_{j≥1} β_j²
 * ∇ℓ = Xᵀ W (y − μ) − λβ,   ∇²ℓ = −(Xᵀ diag(w_i μ_i (1 − μ_i)) X + λI)
 * β ← β + t·δ,  (Xᵀ diag(w μ(1−μ)) X + λI) δ = ∇ℓ,  t halved until ℓ does not fall
 * ```
 *
 * @throws {RangeError} when the columns and targets differ in length, or a target is outside [0, 1].
 * @example
 * ```ts
 * // One binary feature: the fit is the two groups' log-odds, exactly.
 * const { coefficients } = fitLogisticRegression([[0, 0, 0, 0, 1, 1, 1, 1]], [0, 1, 1, 1, 0, 0, 1, 1]);
 * // coefficients[0] = log(3), coefficients[1] = log(1) - log(3)
 * ```
 */
export function fitLogisticRegression(
  features: readonly ArrayLike<number>[],
  targets: ArrayLike<number>,
  options: LogisticOptions = {},
): LogisticFit {
  const n = targets.length;
  for (const column of features) {
    if (column.length !== n)
      throw new RangeError(`a feature column has ${column.length} rows, the targets ${n}`);
  }
  for (let i = 0; i < n; i++) {
    const t = targets[i] as number;
    if (!(t >= 0 && t <= 1)) throw new RangeError(`target ${i} is ${t}, not in [0, 1]`);
  }
  const weights = options.weights;
  if (weights !== undefined && weights.length !== n)
    throw new RangeError(`${weights.length} weights for ${n} rows`);
  let m = 0;
  for (let i = 0; i < n; i++) if (weights === undefined || (weights[i] as number) !== 0) m += 1;
  const columns = features.map(() => new Float64Array(m));
  const y = new Float64Array(m);
  const w = new Float64Array(m);
  for (let i = 0, r = 0; i < n; i++) {
    const wi = weights === undefined ? 1 : (weights[i] as number);
    if (wi === 0) continue;
    for (let j = 0; j < columns.length; j++) columns[j]![r] = features[j]![i] as number;
    y[r] = targets[i] as number;
    w[r] = wi;
    r += 1;
  }
  return newtonLogistic({ columns, y, w, m, l2: options.l2 ?? 0 }, options);
}

/**
 * Newton's method for {@link fitLogisticRegression} on packed rows (`design`), with optional buffers of at
 * least `design.m` numbers for the fitted probabilities, so that a bootstrap allocates nothing per refit.
 */
export function newtonLogistic(
  design: Design,
  options: Pick<LogisticOptions, "initial" | "maxIterations" | "tolerance"> = {},
  buffers?: { readonly mu: Float64Array; readonly trialMu: Float64Array },
): LogisticFit {
  const p = design.columns.length + 1;
  const l2 = design.l2;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-12;
  let beta = new Float64Array(p);
  if (options.initial !== undefined) {
    if (options.initial.length !== p)
      throw new RangeError(`${options.initial.length} initial coefficients for ${p}`);
    beta.set(Array.from(options.initial));
  }
  let trial = new Float64Array(p);
  let mu = buffers?.mu ?? new Float64Array(design.m);
  let trialMu = buffers?.trialMu ?? new Float64Array(design.m);
  const grad = new Float64Array(p);
  const step = new Float64Array(p);
  const hess = new Float64Array(p * p);
  const evaluate = (b: Float64Array, out: Float64Array, d: Float64Array, withLikelihood: boolean): number =>
    evaluateAt(design, b, out, d, withLikelihood);

  let totalWeight = 0;
  for (let r = 0; r < design.m; r++) totalWeight += design.w[r] as number;
  const flat = 1e-13 * Math.max(1, totalWeight);
  evaluate(beta, mu, step, false);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations += 1;
    gradientAndHessian(design, mu, grad, hess);
    for (let j = 1; j < p; j++) {
      grad[j] = (grad[j] as number) - l2 * (beta[j] as number);
      hess[j * p + j] = (hess[j * p + j] as number) + l2;
    }
    step.set(grad);
    if (!solveSpd(hess, step, p)) break;
    // φ(t) = ℓ(β + tδ) is concave with φ'(0) = ∇ℓ·δ (the Newton decrement) > 0.
    let decrement = 0;
    let size = 0;
    for (let j = 0; j < p; j++) {
      decrement += (step[j] as number) * (grad[j] as number);
      size = Math.max(size, Math.abs(step[j] as number));
      trial[j] = (beta[j] as number) + (step[j] as number);
    }
    if (!Number.isFinite(decrement)) break;
    // The full step is taken when ℓ surely rose (φ'(1) ≥ 0), or when the step is small (φ near its
    // quadratic model) and the trapezoid estimate of the gain, (φ'(0) + φ'(1)) / 2, is not negative.
    // Otherwise (far from the optimum) the step is halved until ℓ does not fall.
    const slope = evaluate(trial, trialMu, step, false);
    if (!(slope >= 0 || (size < 0.1 && decrement + slope >= 0))) {
      const current = evaluate(beta, trialMu, step, true);
      let t = 1;
      for (let halvings = 0; halvings < 60; halvings++) {
        for (let j = 0; j < p; j++) trial[j] = (beta[j] as number) + t * (step[j] as number);
        if (evaluate(trial, trialMu, step, true) >= current - 1e-12 * Math.abs(current)) break;
        t /= 2;
      }
    }
    let moved = 0;
    for (let j = 0; j < p; j++) {
      const delta = Math.abs((trial[j] as number) - (beta[j] as number));
      moved = Math.max(moved, delta / Math.max(1, Math.abs(trial[j] as number)));
    }
    if (!Number.isFinite(moved)) break;
    [beta, trial] = [trial, beta];
    [mu, trialMu] = [trialMu, mu];
    if (moved <= tolerance) {
      converged = true;
      break;
    }
    // No measurable gain left (the decrement is twice the gain Newton's model predicts): at the optimum
    // to rounding, or running off to infinity on separable data, where the coefficients keep moving
    // while the likelihood creeps towards its supremum.
    if (decrement / 2 <= flat) {
      converged = moved <= 1e-4;
      break;
    }
  }
  // ℓ costs a log1p a row: computed when read (a bootstrap's refits never read it).
  const fitted = beta;
  let likelihood: number | undefined;
  return {
    coefficients: fitted,
    iterations,
    converged,
    get logLikelihood(): number {
      likelihood ??= evaluate(fitted, trialMu, step, true);
      return likelihood;
    },
  };
}
