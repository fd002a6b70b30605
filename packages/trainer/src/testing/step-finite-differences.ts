import type { TrainStepResult, TrainStepSession } from "../train-step/train-step-session.js";

/** One checked coordinate of {@link stepFiniteDifferences}. */
export interface SteppedCoordinate {
  readonly name: string;
  readonly index: number;
  /** The gradient implied by the step: θ − θ′ (one SGD step with learning rate 1, no clipping). */
  readonly grad: number;
  /** The central finite difference (L(θ + h·eᵢ) − L(θ − h·eᵢ)) / 2h. */
  readonly fd: number;
}

/**
 * Checks a float64 training step's gradient against central finite differences, for tests: `step` must make
 * one SGD step with learning rate 1 and no clipping (so θ − θ′ is the gradient); the weights are then restored
 * and, for the first, middle and last coordinate of each trainable tensor, `lossAt` (a step with learning
 * rate 0, or the loss recomputed from its outputs) is evaluated at θ ± h·eᵢ.
 *
 * ```text
 * gᵢ = θᵢ − θ′ᵢ      fdᵢ = (L(θ + h·eᵢ) − L(θ − h·eᵢ)) / 2h,   h = 1e-5
 * ```
 *
 * @example
 * ```ts
 * const { coordinates } = await stepFiniteDifferences(s, () => s.step(batch, ref, 1), async () => (await s.step(batch, ref, 0)).loss);
 * for (const c of coordinates) expect(Math.abs(c.grad - c.fd)).toBeLessThanOrEqual(1e-7 + 1e-6 * Math.abs(c.fd));
 * ```
 */
export async function stepFiniteDifferences(
  session: TrainStepSession,
  step: () => Promise<TrainStepResult>,
  lossAt: () => Promise<number>,
): Promise<{ result: TrainStepResult; coordinates: SteppedCoordinate[] }> {
  const h = 1e-5;
  const before = new Map([...session.weights].map(([k, v]) => [k, Float64Array.from(v)]));
  const result = await step();
  const grads = new Map(
    [...before].map(([k, w0]) => [k, w0.map((v, i) => v - (session.weights.get(k)?.[i] as number))]),
  );
  for (const [name, w0] of before) session.weights.set(name, new Float64Array(w0));
  const coordinates: SteppedCoordinate[] = [];
  for (const [name, w0] of before) {
    const grad = grads.get(name) as Float64Array;
    const probe = session.weights.get(name) as Float64Array;
    for (const index of [0, Math.floor(w0.length / 2), w0.length - 1]) {
      probe[index] = (w0[index] as number) + h;
      const up = await lossAt();
      probe[index] = (w0[index] as number) - h;
      const down = await lossAt();
      probe[index] = w0[index] as number;
      coordinates.push({ name, index, grad: grad[index] as number, fd: (up - down) / (2 * h) });
    }
  }
  return { result, coordinates };
}
