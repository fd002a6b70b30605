import type { PromptCompletion } from "../logprobs/pack-sequences.js";
import type { TrainPair } from "./read-pairs.js";
import type { UnpairedExample } from "./read-unpaired.js";
import { type Truncation, truncateSequence } from "./truncate-pair.js";

/** Unpaired examples as the loop trains them: one row pair per example, and the examples' labels. */
export interface MismatchedExamples {
  /** `chosen`: the example's own (prompt, completion); `rejected`: its prompt with the next example's completion. */
  readonly pairs: TrainPair[];
  /** Desirable (true) / undesirable labels, in the order of `pairs`. */
  readonly labels: boolean[];
}

/**
 * Pair every unpaired example with a fixed mismatched sequence for KTO's KL estimate: example i's prompt
 * followed by the completion of example (i + 1) mod N of the same set (file order, after the held-out
 * split), truncated as a sequence of its own (from that completion before its own truncation, as TRL's
 * KTOTrainer does). The pairing is fixed for the whole run, so the mismatched rows' reference log-probs
 * are computed once and cached with the others, and the shuffled batches of every epoch still draw a
 * mismatched completion from a random other example. It needs N ≥ 2 to mismatch.
 *
 * ```text
 * pairs[i] = { chosen: (prompt_i, completion_i), rejected: (prompt_i, completion_{(i+1) mod N}) }
 * ```
 *
 * With `blockSize` the pairing is TRL 1.13's instead (KTOTrainer, which trains "kto" in file order):
 * within each consecutive block of `blockSize` examples, example k takes the completion of example k − 1
 * and the block's first takes its last; a block of one keeps its own completion.
 *
 * @example
 * ```ts
 * const { pairs, labels } = mismatchExamples(examples, PAPER_TRUNCATION, 4096);
 * pairs[0]?.rejected.completionIds; // examples[1].completion.completionIds
 * ```
 */
export function mismatchExamples(
  examples: readonly UnpairedExample[],
  truncation: Truncation,
  context: number,
  blockSize?: number,
): MismatchedExamples {
  const partner = (i: number): number => {
    if (blockSize === undefined) return (i + 1) % examples.length;
    const start = i - (i % blockSize);
    const size = Math.min(blockSize, examples.length - start);
    return start + ((i - start + size - 1) % size);
  };
  const pairs = examples.map((example, i): TrainPair => {
    const next = examples[partner(i)] as UnpairedExample;
    const mismatched: PromptCompletion = truncateSequence(
      {
        promptIds: example.completion.promptIds,
        completionIds: next.fullCompletionIds ?? next.completion.completionIds,
      },
      truncation,
      context,
    );
    return {
      line: example.line,
      ...(example.id === undefined ? {} : { id: example.id }),
      chosen: example.completion,
      rejected: mismatched,
    };
  });
  return { pairs, labels: examples.map((e) => e.label) };
}
