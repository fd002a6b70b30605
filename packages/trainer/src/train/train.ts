import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { TrainConfigError } from "../artifacts/train-config-error.js";
import type { TrainStepResult } from "../artifacts/train-step-session.js";
import { TrainStepSession, type TrainStepSessionOptions } from "../artifacts/train-step-session.js";
import { LogProbSession } from "../logprobs/log-prob-session.js";
import { loadPretrainedModel, type PretrainedModel } from "../models/pretrained-model.js";
import {
  findCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type TrainerState,
  withWeights,
} from "./checkpoint.js";
import { type EvalMetrics, evaluatePairs } from "./evaluate-pairs.js";
import { learningRateAt } from "./lr-schedule.js";
import { MetricsLog } from "./metrics-log.js";
import { optimizerStep, type PreparedMicroBatch } from "./optimizer-step.js";
import { countTokens, packPairs } from "./pack-pairs.js";
import { type PairLogProbs, pairLogProbs } from "./pair-log-probs.js";
import { Progress, type StepReport } from "./progress.js";
import { readPreferencePairs, type SkippedRow, type TrainPair } from "./read-pairs.js";
import { cachedReferenceLogProbs, referenceKey } from "./reference-cache.js";
import { resolveTrainConfig } from "./resolve-train-config.js";
import { splitHeldOut } from "./split-held-out.js";
import { TrainDataError } from "./train-data-error.js";
import type { TrainConfig, TrainOptions } from "./train-options.js";
import { TrainRng } from "./train-rng.js";
import type { Truncation } from "./truncate-pair.js";
import { weightsDigest } from "./weights-digest.js";
import { writeMetricPlots } from "./write-plots.js";

/** What {@link train} returns. */
export interface TrainSummary {
  readonly config: TrainConfig;
  /** Optimizer steps taken in total (including before a resume). */
  readonly step: number;
  readonly totalSteps: number;
  /** Epochs done (fractional). */
  readonly epochs: number;
  /** True when the run stopped on its `signal` (after saving a checkpoint). */
  readonly interrupted: boolean;
  /** Checkpoint folders written by this call, in order. */
  readonly checkpoints: string[];
  readonly trainPairs: number;
  readonly evalPairs: number;
  /** Rows left out (empty completion after truncation, empty prompt), by file and line. */
  readonly skipped: (SkippedRow & { file: string })[];
  /** Whether the reference log-probs came from the cache (`eval` is null without held-out pairs). */
  readonly referenceCache: { train: boolean; eval: boolean | null };
  /** Mean loss of the last optimizer step (null when none ran). */
  readonly lastLoss: number | null;
  /** Every evaluation of the run so far (as in `metrics.jsonl`). */
  readonly metrics: EvalMetrics[];
  readonly tokensPerSecond: number;
  readonly seconds: number;
}

interface RunData {
  train: TrainPair[];
  held: TrainPair[];
  skipped: (SkippedRow & { file: string })[];
}

async function readData(config: TrainConfig, model: PretrainedModel, progress: Progress): Promise<RunData> {
  const truncation = truncationOf(config);
  const context = model.config.maxPositions;
  const data = await readPreferencePairs(config.data, model.tokenizer, truncation, context);
  const skipped = data.skipped.map((s) => ({ ...s, file: data.file }));
  let train = data.pairs;
  let held: TrainPair[] = [];
  if (config.eval !== null) {
    const evalData = await readPreferencePairs(config.eval, model.tokenizer, truncation, context);
    skipped.push(...evalData.skipped.map((s) => ({ ...s, file: evalData.file })));
    held = evalData.pairs;
  } else {
    ({ train, heldOut: held } = splitHeldOut(data.pairs, config.evalFraction, config.seed));
  }
  for (const file of new Set(skipped.map((s) => s.file))) {
    const rows = skipped.filter((s) => s.file === file);
    progress.note(
      `skipped ${rows.length} row(s) of ${file}: ${rows.map((s) => `line ${s.line} (${s.reason})`).join(", ")}`,
    );
  }
  if (train.length === 0) throw new TrainDataError(config.data, 0, "no usable training pairs");
  return { train, held, skipped };
}

const truncationOf = (c: TrainConfig): Truncation => ({
  maxPromptLength: c.maxPromptLength,
  maxCompletionLength: c.maxCompletionLength,
});

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Policy and reference log-probs of the pairs of one step's results, as evaluation takes them. */
function stepLogProbs(results: readonly TrainStepResult[], micro: readonly PreparedMicroBatch[]) {
  const policy = {
    chosen: [] as number[],
    rejected: [] as number[],
    chosenTokens: [] as number[],
    rejectedTokens: [] as number[],
  };
  const reference = { chosen: [] as number[], rejected: [] as number[] };
  results.forEach((r, k) => {
    const m = micro[k] as PreparedMicroBatch;
    for (let i = 0; i < m.pairs; i++) {
      policy.chosen.push(r.policyLogp[i] as number);
      policy.rejected.push(r.policyLogp[m.pairs + i] as number);
      policy.chosenTokens.push(r.tokens[i] as number);
      policy.rejectedTokens.push(r.tokens[m.pairs + i] as number);
      reference.chosen.push(m.referenceLogp[i] as number);
      reference.rejected.push(m.referenceLogp[m.pairs + i] as number);
    }
  });
  const f = (a: number[]) => Float64Array.from(a);
  const asPairs = (p: { chosen: number[]; rejected: number[] }): PairLogProbs => ({
    chosen: f(p.chosen),
    rejected: f(p.rejected),
    chosenTokens: f(policy.chosenTokens),
    rejectedTokens: f(policy.rejectedTokens),
  });
  return { policy: asPairs(policy), reference: asPairs(reference) };
}

/**
 * Align a causal LM on preference pairs with a paired loss of `@apo/losses` (APO-zero by default), on
 * onnxruntime-node. Reference log-probs are computed once with the initial weights and cached; then epochs
 * of seeded shuffles, micro-batches of 2B packed rows (chosen, then rejected), gradient accumulation to
 * the effective batch size and a linearly decaying learning rate. Held-out pairs are evaluated every
 * `evalEvery` steps (`metrics.jsonl` and `plots/*.svg`, the paper's Figure 4), and checkpoints written to
 * `out/checkpoint-<step>/`. `resumeFrom` continues a run exactly where its checkpoint left it.
 *
 * @throws TrainConfigError naming the field; TrainDataError naming file and line; UnsupportedTrainLossError
 * @example
 * ```ts
 * const summary = await train({ model: "models/tiny", data: "pairs.jsonl", out: "runs/tiny", lr: 1e-4, epochs: 3 });
 * summary.metrics.at(-1)?.reward_margin;
 * ```
 */
export async function train(options: TrainOptions): Promise<TrainSummary> {
  const started = performance.now();
  const resume =
    options.resumeFrom === undefined ? null : await loadCheckpoint(await findCheckpoint(options.resumeFrom));
  const config = resolveTrainConfig(options, resume?.state.config);
  await mkdir(config.out, { recursive: true });
  const notes = new Progress(0, 0, options.progress);
  const base = await loadPretrainedModel(config.model);
  const { train: pairs, held, skipped } = await readData(config, base, notes);

  const accumulation = config.batchSize / config.microBatchSize;
  const stepsPerEpoch = Math.ceil(Math.ceil(pairs.length / config.microBatchSize) / accumulation);
  const totalSteps = config.epochs * stepsPerEpoch;
  if (resume !== null && resume.state.totalSteps !== totalSteps) {
    throw new TrainConfigError(
      "data",
      config.data,
      `the ${resume.state.totalSteps} steps of the checkpoint's run; the data now gives ${totalSteps}`,
    );
  }
  const evalEvery = config.evalEvery ?? Math.max(1, Math.floor(stepsPerEpoch / 4));
  const sessionOptions = options.sessionOptions ?? {};

  // Reference log-probs: once, from the initial weights, cached by weights + data + truncation.
  const digest = weightsDigest(base.weights);
  const keyOf = (p: TrainPair[]) =>
    referenceKey({ weights: digest, pairs: p, truncation: truncationOf(config), dtype: config.dtype });
  let trainRef: PairLogProbs;
  let evalRef: PairLogProbs | null = null;
  const cache: { train: boolean; eval: boolean | null } = { train: false, eval: null };
  {
    let session: LogProbSession | null = null;
    const open = async () => {
      session ??= await LogProbSession.create(base, sessionOptions, { dtype: config.dtype });
      return session;
    };
    const compute = (p: TrainPair[]) => async () =>
      pairLogProbs(await open(), base, p, config.microBatchSize);
    try {
      const t = await cachedReferenceLogProbs(config.cacheDir, keyOf(pairs), compute(pairs));
      trainRef = t.value;
      cache.train = t.hit;
      if (held.length > 0) {
        const e = await cachedReferenceLogProbs(config.cacheDir, keyOf(held), compute(held));
        evalRef = e.value;
        cache.eval = e.hit;
      }
    } finally {
      await (session as LogProbSession | null)?.release();
    }
    notes.note(
      `reference log-probs: ${pairs.length} train pairs${cache.train ? " (cached)" : ""}, ${held.length} held-out${cache.eval ? " (cached)" : ""}`,
    );
  }

  const sessionConfig: TrainStepSessionOptions = {
    loss: config.loss,
    lossParams: config.lossParams,
    optimizer: config.optimizer,
    optimizerConfig: config.optimizerConfig,
    maxGradNorm: config.maxGradNorm,
    dtype: config.dtype,
    sessionOptions,
    accumulationSteps: accumulation,
  };
  const session = await TrainStepSession.create(resume?.model ?? base, sessionConfig);
  const progress = new Progress(totalSteps, resume?.state.step ?? 0, options.progress);
  const checkpoints: string[] = [];
  let step = resume?.state.step ?? 0;
  let lastLoss: number | null = null;
  let interrupted = false;
  try {
    if (resume !== null) {
      for (const key of session.state.keys()) {
        const saved = resume.optimizerState.get(key);
        if (saved === undefined) {
          throw new TrainConfigError("resumeFrom", resume.dir, `a checkpoint with optimizer state "${key}"`);
        }
        const data = saved.data as Float32Array;
        session.state.set(
          key,
          config.dtype === "float64" ? Float64Array.from(data) : Float32Array.from(data),
        );
      }
      session.steps = resume.state.step;
    }
    const log = await MetricsLog.open(join(config.out, "metrics.jsonl"), {
      keepUpToStep: resume === null ? -1 : resume.state.step,
    });

    const evaluate = async () => {
      if (evalRef === null) return;
      const model = withWeights(base, session.weights);
      const logProbs = await LogProbSession.create(model, sessionOptions, { dtype: config.dtype });
      let policy: PairLogProbs;
      try {
        policy = await pairLogProbs(logProbs, model, held, config.microBatchSize);
      } finally {
        await logProbs.release();
      }
      const m = evaluatePairs(config.loss, config.lossParams, policy, evalRef, {
        step,
        epoch: step / stepsPerEpoch,
      });
      await log.append(m);
      await writeMetricPlots(config.out, log.entries);
      progress.note(
        `eval step ${step}: logp chosen ${m.chosen_logp.toFixed(3)} rejected ${m.rejected_logp.toFixed(3)}, ` +
          `rewards chosen ${m.chosen_reward.toFixed(4)} rejected ${m.rejected_reward.toFixed(4)}, ` +
          `margin ${m.reward_margin.toFixed(4)}, accuracy ${m.reward_accuracy.toFixed(3)}`,
      );
    };
    const save = async (position: Pick<TrainerState, "epoch" | "stepInEpoch" | "rngState">) => {
      const dir = await saveCheckpoint(config.out, {
        base,
        weights: session.weights,
        optimizerState: session.state,
        stateSlots: session.artifact.stateSlots,
        state: { version: 1, step, totalSteps, stepsPerEpoch, ...position, config },
      });
      checkpoints.push(dir);
      progress.note(`saved ${dir}`);
    };

    if (resume === null) await evaluate();
    const rng = new TrainRng(config.seed, resume?.state.rngState);
    let skip = resume?.state.stepInEpoch ?? 0;
    outer: for (let epoch = resume?.state.epoch ?? 0; epoch < config.epochs; epoch++) {
      const rngState = rng.state;
      const steps = chunk(chunk(rng.permutation(pairs.length), config.microBatchSize), accumulation);
      for (let s = skip; s < steps.length; s++) {
        const micro: PreparedMicroBatch[] = (steps[s] as number[][]).map((indices) => {
          const part = indices.map((i) => pairs[i] as TrainPair);
          const referenceLogp = new Float64Array(2 * indices.length);
          indices.forEach((i, k) => {
            referenceLogp[k] = trainRef.chosen[i] as number;
            referenceLogp[indices.length + k] = trainRef.rejected[i] as number;
          });
          return { batch: packPairs(base, part), referenceLogp, pairs: indices.length };
        });
        const lr = learningRateAt({ lr: config.lr, totalSteps, warmupSteps: config.warmupSteps }, step);
        const results = await optimizerStep(session, micro, lr);
        step += 1;
        const totalPairs = micro.reduce((n, m) => n + m.pairs, 0);
        lastLoss =
          results.reduce((sum, r, k) => sum + r.loss * (micro[k] as PreparedMicroBatch).pairs, 0) /
          totalPairs;
        const { policy, reference } = stepLogProbs(results, micro);
        const rewards = evaluatePairs(config.loss, config.lossParams, policy, reference, { step, epoch: 0 });
        const report: StepReport = {
          step,
          epoch: step / stepsPerEpoch,
          loss: lastLoss,
          chosenReward: rewards.chosen_reward,
          rejectedReward: rewards.rejected_reward,
          lr,
          tokens: micro.reduce((n, m) => n + countTokens(m.batch), 0),
        };
        progress.step(report);
        options.onStep?.(report);

        const epochEnd = s === steps.length - 1;
        const position = epochEnd
          ? { epoch: epoch + 1, stepInEpoch: 0, rngState: rng.state }
          : { epoch, stepInEpoch: s + 1, rngState };
        if (step % evalEvery === 0 || step === totalSteps) await evaluate();
        const aborted = options.signal?.aborted ?? false;
        const due = config.saveEvery === "epoch" ? epochEnd : step % config.saveEvery === 0;
        if (due || aborted || step === totalSteps) await save(position);
        if (aborted) {
          interrupted = true;
          progress.note(`interrupted at step ${step}: resume with --resume ${config.out}`);
          break outer;
        }
      }
      skip = 0;
    }
    progress.close();
    return {
      config,
      step,
      totalSteps,
      epochs: step / stepsPerEpoch,
      interrupted,
      checkpoints,
      trainPairs: pairs.length,
      evalPairs: held.length,
      skipped,
      referenceCache: cache,
      lastLoss,
      metrics: log.entries,
      tokensPerSecond: progress.tokensPerSecond,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    progress.close();
    await session.release();
  }
}
