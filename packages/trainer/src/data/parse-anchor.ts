import { type RowLocation, TrainDataError } from "./train-data-error.js";

/** The words a row's `anchor` may be, and the weight each means. */
export const ANCHOR_WORDS = { zero: 0, down: 1 } as const;

/**
 * A preference row's `anchor`: the weight a ∈ [0, 1] with which `apo_anchored` trains the pair on APO-down
 * rather than APO-zero. `"zero"` is 0 (the chosen answer is better than the model's own: push it up),
 * `"down"` is 1 (the model is already better: push both down, the rejected one more), a number in [0, 1]
 * mixes the two.
 *
 * @throws TrainDataError naming file, line, the field `anchor` and the value when the row has none, or one
 *   that is not `"zero"`, `"down"` or a number in [0, 1]
 * @example
 * ```ts
 * parseAnchor({ prompt: "Hi", chosen: "Hello!", rejected: "Go away", anchor: "down" }, { file: "pairs.jsonl", line: 3 }); // 1
 * ```
 */
export function parseAnchor(row: Record<string, unknown>, at: RowLocation): number {
  const value = row.anchor;
  if (typeof value === "number" && value >= 0 && value <= 1) return value;
  if (typeof value === "string" && Object.hasOwn(ANCHOR_WORDS, value)) {
    return ANCHOR_WORDS[value as keyof typeof ANCHOR_WORDS];
  }
  const expected = '"zero", "down" or a number in [0, 1] (0: APO-zero, 1: APO-down)';
  const message =
    value === undefined
      ? `missing "anchor": apo_anchored needs one per pair, ${expected}`
      : `anchor ${JSON.stringify(value) ?? String(value)} is invalid: expected ${expected}`;
  throw new TrainDataError(at.file, at.line, message, { field: "anchor" });
}
