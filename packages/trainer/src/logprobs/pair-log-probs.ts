import { packPairs } from "../data/pack-pairs.js";
import type { TrainPair } from "../data/read-pairs.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import type { LogProbSession } from "./log-prob-session.js";

/** Summed completion log-probs and completion token counts of the chosen and rejected side of N pairs. */
export interface PairLogProbs {
  readonly chosen: Float64Array;
  readonly rejected: Float64Array;
  readonly chosenTokens: Float64Array;
  readonly rejectedTokens: Float64Array;
}

/**
 * Log-probs of every pair under a log-prob session, `batchSize` pairs (2·batchSize rows) per run, packed
 * as in training. Used for the reference model (once) and for the policy at each evaluation. `onBatch` hears
 * how many pairs each finished run scored (for progress).
 *
 * @example
 * ```ts
 * const reference = await pairLogProbs(session, model, pairs, 8);
 * reference.chosen[0]; // log π_ref(chosen₀ | prompt₀)
 * ```
 */
export async function pairLogProbs(
  session: Pick<LogProbSession, "runPacked">,
  model: PretrainedModel,
  pairs: readonly TrainPair[],
  batchSize: number,
  onBatch?: (pairs: number) => void,
): Promise<PairLogProbs> {
  const n = pairs.length;
  const out: PairLogProbs = {
    chosen: new Float64Array(n),
    rejected: new Float64Array(n),
    chosenTokens: new Float64Array(n),
    rejectedTokens: new Float64Array(n),
  };
  for (let start = 0; start < n; start += batchSize) {
    const part = pairs.slice(start, start + batchSize);
    const rows = await session.runPacked(packPairs(model, part));
    part.forEach((_, i) => {
      const c = rows[i] as { logp: number; tokens: number };
      const r = rows[part.length + i] as { logp: number; tokens: number };
      out.chosen[start + i] = c.logp;
      out.rejected[start + i] = r.logp;
      out.chosenTokens[start + i] = c.tokens;
      out.rejectedTokens[start + i] = r.tokens;
    });
    onBatch?.(part.length);
  }
  return out;
}
