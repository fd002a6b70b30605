import { SeededRandom } from "../models/seeded-random.js";
import { checkNumber } from "../train-step/train-config-error.js";

/**
 * Split items into training and held-out sets: a seeded random `fraction` of them (at least one when
 * `fraction > 0` and there are two or more) is held out, the rest keep their file order.
 *
 * @example
 * ```ts
 * const { train, heldOut } = splitHeldOut(pairs, 0.1, 42);
 * ```
 */
export function splitHeldOut<T>(
  items: readonly T[],
  fraction: number,
  seed: number,
): { train: T[]; heldOut: T[] } {
  checkNumber("evalFraction", fraction, 0, 1, { hiOpen: true });
  if (fraction === 0 || items.length < 2) return { train: [...items], heldOut: [] };
  const count = Math.min(items.length - 1, Math.max(1, Math.round(items.length * fraction)));
  // A stream apart from the shuffling one, so changing the split does not change the epoch orders.
  const chosen = new Set(new SeededRandom(seed ^ 0x5eed5eed).permutation(items.length).slice(0, count));
  return {
    train: items.filter((_, i) => !chosen.has(i)),
    heldOut: items.filter((_, i) => chosen.has(i)),
  };
}
