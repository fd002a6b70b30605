import { definePairedLoss } from "@apo/losses/define";
import { type PretrainedModel, packSequences, TrainStepSession } from "@apo/trainer";
import { encodePair, withWeights } from "./model-io.js";
import type { Problem } from "./task.js";

/**
 * Supervised fine-tuning as a paired loss: the trainer's step takes its 2B rows as B pairs, and for SFT
 * every row is simply a target, so the loss is the summed NLL of both halves. Defined here, outside the
 * registry, to show that any `definePairedLoss` definition trains.
 *
 * ```text
 * L = −(c + r)      ∂L/∂c = ∂L/∂r = −1
 * ```
 */
export const sftRows = definePairedLoss<{ beta: number }>({
  name: "sft_rows",
  reference: "negative log-likelihood of every row",
  defaults: { beta: 1 },
  rewards: "log-prob",
  validate: () => {},
  terms: (m, x) => ({
    loss: m.neg(m.add(x.policyChosen, x.policyRejected)),
    gradChosen: m.constant(-1),
    gradRejected: m.constant(-1),
  }),
});

/** Options of {@link supervisedFineTune}. */
export interface SftOptions {
  steps: number;
  /** Rows per step (an even number). */
  batchRows: number;
  lr: number;
  onProgress?: (step: number, loss: number) => void;
}

/**
 * Gives the tiny model its weak skill: AdamW on the correct answers, linear warm-up then decay to 0.
 * @example const weak = await supervisedFineTune(model, problems, { steps: 800, batchRows: 32, lr: 1e-2 });
 */
export async function supervisedFineTune(
  model: PretrainedModel,
  problems: readonly Problem[],
  options: SftOptions,
): Promise<PretrainedModel> {
  const session = await TrainStepSession.create(model, {
    loss: sftRows,
    optimizer: "adamw",
    optimizerConfig: { weightDecay: 0 },
    sessionOptions: { intraOpNumThreads: 1 },
  });
  const limits = { padId: 0, maxLength: model.config.maxPositions, vocabSize: model.config.vocabSize };
  const warmup = Math.max(1, Math.round(options.steps / 25));
  for (let k = 0; k < options.steps; k++) {
    const rows = Array.from({ length: options.batchRows }, (_, i) => {
      const p = problems[(k * options.batchRows + i) % problems.length] as Problem;
      return encodePair(model, p.prompt, p.answer);
    });
    const lr = options.lr * Math.min(1, (k + 1) / warmup) * (1 - k / options.steps);
    const out = await session.step(packSequences(rows, limits), new Array(rows.length).fill(0), lr);
    options.onProgress?.(k + 1, out.loss / options.batchRows);
  }
  const trained = withWeights(model, session.weights);
  await session.release();
  return trained;
}
