import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { LossDefinition } from "@apo/losses/define";
import {
  anchorsOf,
  prepareMicroBatch,
  prepareUnpairedMicroBatch,
  stepLogProbs,
  stepUnpairedLogProbs,
} from "../data/micro-batches.js";
import { countTokens } from "../data/pack-pairs.js";
import type { SkippedRow } from "../data/read-pairs.js";
import { readRunData } from "../data/run-data.js";
import { TrainDataError } from "../data/train-data-error.js";
import { typicalBatchLength } from "../data/typical-length.js";
import { checkUnpairedBatching } from "../data/unpaired-batching.js";
import { withPath } from "../io-error.js";
import { policyLogProbs } from "../logprobs/policy-log-probs.js";
import { runReferenceLogProbs } from "../logprobs/reference-log-probs.js";
import { initLoraWeights } from "../lora/init-lora-weights.js";
import { loraPolicyLogProbs } from "../lora/lora-policy-log-probs.js";
import { loadPretrainedModel } from "../models/pretrained-model.js";
import { SeededRandom } from "../models/seeded-random.js";
import { epochEvalHook } from "../report/epoch-evals.js";
import { type EvalMetrics, evaluatePairs } from "../report/evaluate-pairs.js";
import { evaluateUnpaired } from "../report/evaluate-unpaired.js";
import { MetricsLog } from "../report/metrics-log.js";
import { writeMetricPlots } from "../report/write-plots.js";
import { recomputeFor } from "../train-step/recompute-by-default.js";
import { TrainConfigError } from "../train-step/train-config-error.js";
import {
  type TrainStepResult,
  TrainStepSession,
  type TrainStepSessionOptions,
} from "../train-step/train-step-session.js";
import {
  findCheckpoint,
  loadCheckpoint,
  readTrainerState,
  removeStaleCheckpointFolders,
  saveCheckpoint,
  type TrainerState,
} from "./checkpoint.js";
import { checkResumeData, digestRunData } from "./data-digest.js";
import { epochOrder, firstEpochForward } from "./epoch-order.js";
import { checkProvidersInstalled, explainProviderFailure } from "./execution-provider-error.js";
import { resolveLossDefinition } from "./loss-definition.js";
import { learningRateAt } from "./lr-schedule.js";
import { optimizerStep, type PreparedMicroBatch } from "./optimizer-step.js";
import { Progress, type StepReport } from "./progress.js";
import { resolveTrainConfig } from "./resolve-train-config.js";
import { acquireRunLock } from "./run-lock.js";
import { absoluteRunPaths } from "./run-paths.js";
import type { TrainConfig, TrainOptions } from "./train-options.js";

/**
 * What {@link train} returns.
 *
 * @example
 * ```ts
 * const summary = await train(options);
 * if (summary.interrupted) console.log(`resume from ${summary.checkpoints.at(-1)}`);
 * ```
 */
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
  /** Loss of the last optimizer step, the mean of its micro-batches' mean losses (null when none ran). */
  readonly lastLoss: number | null;
  /** Every evaluation of the run so far (as in `metrics.jsonl`). */
  readonly metrics: EvalMetrics[];
  readonly tokensPerSecond: number;
  readonly seconds: number;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;

/**
 * A step's mean rewards as TRL logs them: each micro-batch's mean, averaged over the micro-batches (an
 * unpaired loss: over those with examples of that label; 0 when none has any).
 */
function stepRewards(
  loss: LossDefinition,
  lossParams: Record<string, number>,
  results: readonly TrainStepResult[],
  micro: readonly PreparedMicroBatch[],
): { chosen: number; rejected: number } {
  const at = { step: 0, epoch: 0 };
  const chosen: number[] = [];
  const rejected: number[] = [];
  results.forEach((result, k) => {
    const m = [micro[k] as PreparedMicroBatch];
    if (loss.kind === "paired") {
      const { policy, reference } = stepLogProbs([result], m);
      const e = evaluatePairs(loss, lossParams, policy, reference, at, m[0]?.anchorDown);
      chosen.push(e.chosen_reward);
      rejected.push(e.rejected_reward);
      return;
    }
    const { policy, reference, labels } = stepUnpairedLogProbs([result], m);
    const e = evaluateUnpaired(loss, lossParams, policy, reference, labels, at);
    if (labels.includes(true)) chosen.push(e.chosen_reward);
    if (labels.includes(false)) rejected.push(e.rejected_reward);
  });
  return { chosen: mean(chosen), rejected: mean(rejected) };
}

/**
 * Align a causal LM on preference pairs with a paired loss of `@apo/losses` (APO-zero by default), or on
 * unpaired KTO-format examples with `kto` / `apo_zero_unpaired` (each example with a fixed mismatched
 * sequence for the KL estimate, see `mismatchExamples`), on onnxruntime-node. Reference log-probs are computed once with the initial weights and cached; then epochs
 * of seeded shuffles, micro-batches of 2B packed rows (chosen, then rejected), gradient accumulation to
 * the effective batch size and a linearly decaying learning rate. Held-out pairs are evaluated every
 * `evalEvery` steps (`metrics.jsonl` and `plots/*.svg`, the paper's Figure 4), and checkpoints written to
 * `out/checkpoint-<step>/`. `resumeFrom` continues a run exactly where its checkpoint left it.
 *
 * One process writes a run folder at a time (`out/.lock`, see `acquireRunLock`); the config saved in
 * checkpoints has absolute paths and the SHA-256 of the data files, which a resume checks.
 *
 * @throws TrainConfigError naming the field (`batchSize` < 2 for KTO); TrainDataError naming file and line;
 *   RunLockedError when another process holds `out`; ResumeDataError when a resumed run's data changed
 * @example
 * ```ts
 * const summary = await train({ model: "models/tiny", data: "pairs.jsonl", out: "runs/tiny", lr: 1e-4, epochs: 3 });
 * summary.metrics.at(-1)?.reward_margin;
 * ```
 */
export async function train(options: TrainOptions): Promise<TrainSummary> {
  const started = performance.now();
  const notes = new Progress(0, 0, options.progress);
  const from = options.resumeFrom === undefined ? null : await findCheckpoint(options.resumeFrom);
  const state = from === null ? null : await readTrainerState(from);
  // Absolute, so a checkpoint finds its run's files whatever directory it is resumed from.
  const paths = absoluteRunPaths(
    options,
    from === null || state === null ? undefined : { dir: from, config: state.config },
  );
  if (paths.note !== null) notes.note(paths.note);
  const config = resolveTrainConfig(paths.options, paths.saved);
  await withPath(config.out, "create the folder", () => mkdir(config.out, { recursive: true }));
  // One writer per run folder: a second run or resume of it stops here, before it changes anything.
  const lock = await acquireRunLock(config.out, { note: (text) => notes.note(text) });
  try {
    return await trainLocked(options, config, from, state, notes, started);
  } finally {
    await lock.release();
  }
}

async function trainLocked(
  options: TrainOptions,
  config: TrainConfig,
  from: string | null,
  state: TrainerState | null,
  notes: Progress,
  started: number,
): Promise<TrainSummary> {
  const loss = resolveLossDefinition(options.loss ?? config.loss, config.lossWeights);
  for (const line of await removeStaleCheckpointFolders(config.out)) notes.note(line);
  if (from === null && (await readdir(config.out)).some((n) => /^checkpoint-\d+$/.test(n))) {
    // A fresh run would interleave its checkpoints with another run's, and --resume would pick the wrong one.
    throw new TrainConfigError(
      "out",
      config.out,
      "a folder without checkpoints: continue that run with --resume, or choose another --out",
    );
  }
  if (state?.dataFiles !== undefined) await checkResumeData(state.dataFiles);
  else if (from !== null) {
    notes.note(
      `${from} records no data digests (an older apo wrote it): cannot check ${config.data} is unchanged`,
    );
  }
  const resume = from === null ? null : await loadCheckpoint(from);
  const base = await loadPretrainedModel(config.model, { dtype: config.dtype });
  // LoRA: the adapter trained instead of the weights, PEFT-initialised (B = 0) or the checkpoint's.
  const adapters =
    config.lora === null
      ? undefined
      : (resume?.adapter?.weights ?? initLoraWeights(base, config.lora, config.seed, config.dtype));
  checkUnpairedBatching(loss, config);
  const {
    train: pairs,
    held,
    skipped,
    labels,
  } = await readRunData(config, base, notes, loss.kind === "paired" ? "paired" : "unpaired", {
    // apo_anchored: every row's `anchor`, kept with its pair (held-out pairs and the eval file's too).
    anchors: loss.kind === "paired" && loss.usesAnchorDown === true,
  });
  // Saved in every checkpoint; a resume has checked the recorded ones above.
  const dataFiles = state?.dataFiles ?? (await digestRunData(config));
  if (loss.kind === "unpaired" && loss.usesKl && pairs.length < 2) {
    // One example has no other completion to mismatch with: its "KL" would be its own log-ratio.
    throw new TrainDataError(config.data, 0, `${loss.name} needs at least 2 training examples (KL estimate)`);
  }

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
  checkProvidersInstalled(sessionOptions);

  // Reference log-probs: once, from the initial weights, cached by weights + data + truncation; the
  // training pairs' in the first epoch's micro-batches by the training step's forward (bitwise its policy's).
  const reference = await runReferenceLogProbs(config, base, pairs, held, sessionOptions, options.progress, {
    ...firstEpochForward(config, loss, pairs),
    // LoRA: the LoRA graph's forward with the adapters switched off (lora_scale 0).
    ...(config.lora === null || adapters === undefined ? {} : { lora: { config: config.lora, adapters } }),
  }).catch((e) => {
    throw explainProviderFailure(e, sessionOptions);
  });
  const trainRef = reference.train;
  const evalRef = reference.eval;
  const cache = reference.cached;
  notes.note(
    `reference log-probs: ${pairs.length} train pairs${cache.train ? " (cached)" : ""}, ` +
      `${held.length} held-out${cache.eval ? " (cached)" : ""}`,
  );

  const typicalLength = typicalBatchLength(pairs);
  const sessionConfig: TrainStepSessionOptions = {
    loss,
    lossParams: config.lossParams,
    optimizer: config.optimizer,
    optimizerConfig: config.optimizerConfig,
    maxGradNorm: config.maxGradNorm,
    dtype: config.dtype,
    sessionOptions,
    accumulationSteps: accumulation,
    // The dense layers' form follows the data: short sequences train faster with one Gemm per layer.
    expectedSequenceLength: typicalLength,
    ...(config.lora === null || adapters === undefined ? {} : { lora: config.lora, adapters }),
    // The run's own copy of the model: every later use pairs it with session.weights, so the session may
    // train in its arrays (one weight-sized copy less).
    adoptWeights: true,
    // Old checkpoints' configs have no `recompute`: "auto".
    recompute: recomputeFor(
      config.recompute ?? "auto",
      (loss.kind === "paired" || loss.usesKl ? 2 : 1) * config.microBatchSize,
      typicalLength,
    ),
  };
  const session = await TrainStepSession.create(resume?.model ?? base, sessionConfig).catch((e) => {
    throw explainProviderFailure(e, sessionOptions);
  });
  const progress = new Progress(totalSteps, resume?.state.step ?? 0, options.progress);
  // --eval-each-epoch: scores the starting model and each epoch-end checkpoint not yet scored.
  const scoreEpochs = epochEvalHook(options.evalEachEpoch, config, options.progress, (t) => progress.note(t));
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
      note: (text) => notes.note(text),
    });

    const heldAnchors = anchorsOf(held);
    const evaluate = async () => {
      if (evalRef === null) return;
      const scoring = { batchSize: config.microBatchSize, dtype: config.dtype, sessionOptions };
      const policy =
        config.lora === null
          ? await policyLogProbs(base, session.weights, held, scoring)
          : await loraPolicyLogProbs(base, config.lora, session.weights, held, scoring);
      const at = { step, epoch: step / stepsPerEpoch };
      const m =
        loss.kind === "paired"
          ? evaluatePairs(loss, config.lossParams, policy, evalRef, at, heldAnchors)
          : evaluateUnpaired(loss, config.lossParams, policy, evalRef, labels?.held ?? [], at);
      await log.append(m);
      await writeMetricPlots(config.out, log.entries);
      progress.note(
        `eval step ${step}: logp chosen ${m.chosen_logp.toFixed(3)} rejected ${m.rejected_logp.toFixed(3)}, ` +
          `rewards chosen ${m.chosen_reward.toFixed(4)} rejected ${m.rejected_reward.toFixed(4)}, ` +
          `margin ${m.reward_margin.toFixed(4)}, accuracy ${m.reward_accuracy.toFixed(3)}` +
          (m.kl === undefined ? "" : `, KL ${m.kl.toFixed(4)}`),
      );
    };
    const save = async (position: Pick<TrainerState, "epoch" | "stepInEpoch" | "rngState">) => {
      const dir = await saveCheckpoint(config.out, {
        base,
        weights: session.weights,
        optimizerState: session.state,
        stateSlots: session.artifact.stateSlots,
        lora: config.lora,
        state: { version: 1, step, totalSteps, stepsPerEpoch, ...position, config, dataFiles },
      });
      checkpoints.push(dir);
      progress.note(`saved ${dir}`);
    };

    if (resume === null) await evaluate();
    await scoreEpochs();
    // A checkpoint's generator state seeds the generator that continues its stream.
    const rng = new SeededRandom(resume?.state.rngState ?? config.seed);
    let skip = resume?.state.stepInEpoch ?? 0;
    outer: for (let epoch = resume?.state.epoch ?? 0; epoch < config.epochs; epoch++) {
      const rngState = rng.state;
      const order = epochOrder(config, loss, rng, epoch, pairs.length);
      const steps = chunk(chunk(order, config.microBatchSize), accumulation);
      for (let s = skip; s < steps.length; s++) {
        const micro = (steps[s] as number[][]).map((indices) =>
          loss.kind === "paired"
            ? prepareMicroBatch(base, pairs, trainRef, indices)
            : prepareUnpairedMicroBatch(base, pairs, trainRef, labels?.train ?? [], indices, loss.usesKl),
        );
        const lr = learningRateAt({ lr: config.lr, totalSteps, warmupSteps: config.warmupSteps }, step);
        const t0 = performance.now();
        const results = await optimizerStep(session, micro, lr);
        const seconds = (performance.now() - t0) / 1000;
        step += 1;
        // TRL's logged loss: the mean of the micro-batches' mean losses (the objective whose gradient it took).
        lastLoss = mean(results.map((r) => r.loss));
        const rewards = stepRewards(loss, config.lossParams, results, micro);
        const report: StepReport = {
          step,
          epoch: step / stepsPerEpoch,
          loss: lastLoss,
          chosenReward: rewards.chosen,
          rejectedReward: rewards.rejected,
          gradNorm: (results.at(-1) as TrainStepResult).gradNorm,
          lr,
          tokens: micro.reduce((n, m) => n + countTokens(m.batch), 0),
          seconds,
        };
        progress.step(report);
        options.onStep?.(report);

        const epochEnd = s === steps.length - 1;
        const position = epochEnd
          ? { epoch: epoch + 1, stepInEpoch: 0, rngState: rng.state }
          : { epoch, stepInEpoch: s + 1, rngState };
        if (step % evalEvery === 0 || step === totalSteps) await evaluate();
        const aborted = options.signal?.aborted ?? false;
        const due =
          (config.saveEvery === "epoch" ? epochEnd : step % config.saveEvery === 0) ||
          (epochEnd && options.evalEachEpoch !== undefined); // the scorer needs each epoch's checkpoint
        if (due || aborted || step === totalSteps) await save(position);
        if (epochEnd && !aborted) await scoreEpochs();
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
