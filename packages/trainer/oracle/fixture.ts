/**
 * The compact record of a transformers run that CI checks against: per case the completion log-probs,
 * token counts, and per weight tensor the gradient's L2 norm and its values at a few fixed coordinates.
 */
export interface OracleFixture {
  /** Versions and device of the reference run. */
  readonly reference: Record<string, string>;
  readonly cases: Record<
    string,
    {
      readonly logp: number[];
      readonly tokens: number[];
      readonly grads: Record<string, { indices: number[]; values: number[]; norm: number }>;
    }
  >;
  /**
   * Per training-step case: each step's mean loss and pre-clipping gradient norm, and per weight tensor the
   * final values at a few coordinates and the L2 norm of the whole update (final − initial).
   */
  readonly steps: Record<
    string,
    {
      readonly losses: number[];
      readonly gradNorms: number[];
      readonly weights: Record<string, { indices: number[]; values: number[]; updateNorm: number }>;
    }
  >;
}

/** How many coordinates of each gradient tensor the fixture keeps. */
export const SAMPLES_PER_TENSOR = 12;

/**
 * Flat coordinates spread over a tensor of `n` values, first and last included, plus a few from a fixed
 * stride so that rows other than the first and last are hit: i_k = ⌊k(n − 1)/(S − 1)⌋ ∪ 7919·k mod n.
 */
export function sampleIndices(n: number): number[] {
  const spread = Array.from({ length: SAMPLES_PER_TENSOR / 2 }, (_, k) =>
    Math.floor((k * (n - 1)) / (SAMPLES_PER_TENSOR / 2 - 1)),
  );
  const strided = Array.from({ length: SAMPLES_PER_TENSOR / 2 }, (_, k) => (7919 * (k + 1)) % n);
  return [...new Set([...spread, ...strided])].sort((a, b) => a - b);
}
