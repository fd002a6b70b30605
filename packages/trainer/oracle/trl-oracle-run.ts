/**
 * Our side of the TRL oracle: a case of `trl-oracle-cases.ts` trained by {@link train}, read back in the
 * terms `trl_oracle.py` records, and compared with the recorded TRL runs.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { readRunData } from "../src/data/run-data.js";
import type { PromptCompletion } from "../src/logprobs/pack-sequences.js";
import { loadPretrainedModel, savePretrainedModel } from "../src/models/pretrained-model.js";
import { SeededRandom } from "../src/models/seeded-random.js";
import { readCheckpointWeights } from "../src/safetensors/read-checkpoint-weights.js";
import { Progress, type StepReport } from "../src/train/progress.js";
import { train } from "../src/train/train.js";
import { type TrlOracleCase, trlOracleTrainOptions } from "./trl-oracle-cases.js";

/** One training row as TRL's collator hands it to the model (after `max_length` truncation). */
export type TrlOracleRow =
  | { prompt: number[]; chosen: number[]; rejected: number[] }
  | { prompt: number[]; completion: number[]; label: boolean; kl_completion?: number[] };

/** A logged step of TRL (`logging_steps=1`); null where TRL logged no such key. */
export interface TrlOracleStep {
  step: number;
  loss: number;
  grad_norm: number;
  learning_rate: number;
  "rewards/chosen": number | null;
  "rewards/rejected": number | null;
  "logps/chosen": number | null;
  "logps/rejected": number | null;
  kl: number | null;
}

/** The final weights of one tensor: its largest update and the final values at a few indices. */
export interface TrlOracleTensor {
  shape: number[];
  /** max |final − initial| over the tensor (the scale weight errors are measured in). */
  update_max: number;
  update_norm: number;
  indices: number[];
  values: number[];
}

/** One TRL run (float64 with the float64 patches, or stock float32). */
export interface TrlOracleRun {
  /** Reference log-prob sums per row: DPO chosen/rejected; KTO completion and KL completion. */
  reference: { chosen: number[]; rejected: number[] } | { completion: number[]; kl: (number | null)[] };
  steps: TrlOracleStep[];
  weights: Record<string, TrlOracleTensor>;
}

/** What `trl_oracle.py` records (test/fixtures/trl-oracle.json). */
export interface TrlOracleFixture {
  /** Versions of the TRL run. */
  reference: Record<string, string>;
  /** SHA-256 of every file of every model folder TRL loaded. */
  models: Record<string, Record<string, string>>;
  cases: Record<string, { rows: TrlOracleRow[]; float64: TrlOracleRun; float32: TrlOracleRun }>;
}

/** Our run of a case, in the fixture's terms. */
export interface OurTrlOracleRun {
  rows: TrlOracleRow[];
  /** Reference log-probs as the run used them (its cache): per row, then per row of the second sequence. */
  reference: { first: number[]; second: number[] };
  steps: StepReport[];
  initial: Map<string, Float64Array>;
  final: Map<string, Float64Array>;
}

const ids = (s: PromptCompletion) => ({ prompt: [...s.promptIds], completion: [...s.completionIds] });

/**
 * Train a case with {@link train} on the inputs under `dir` (written by `writeTrlOracleInputs`; another
 * checkpoint folder with `modelFolder`, e.g. {@link writeNudgedModel}'s) and read back the rows it trained (tokenised and truncated), the reference log-probs from its cache, every
 * step's report and the weights before and after.
 *
 * @example
 * ```ts
 * const ours = await runTrlOracleCase(TRL_ORACLE_CASES[0]!, dir, join(dir, "runs/a"), "float64");
 * ```
 */
export async function runTrlOracleCase(
  c: TrlOracleCase,
  dir: string,
  out: string,
  dtype: "float32" | "float64",
  modelFolder?: string,
): Promise<OurTrlOracleRun> {
  const steps: StepReport[] = [];
  const options = trlOracleTrainOptions(c, dir, out, dtype);
  const summary = await train({
    ...options,
    ...(modelFolder === undefined ? {} : { model: modelFolder }),
    onStep: (r) => steps.push(r),
  });
  const model = await loadPretrainedModel(summary.config.model, { dtype });
  const kto = c.trainer === "kto";
  const data = await readRunData(
    summary.config,
    model,
    new Progress(0, 0, { stream: null }),
    kto ? "unpaired" : "paired",
  );
  const rows: TrlOracleRow[] = data.train.map((p, i) => {
    const chosen = ids(p.chosen);
    if (!kto)
      return { prompt: chosen.prompt, chosen: chosen.completion, rejected: ids(p.rejected).completion };
    const label = data.labels?.train[i] as boolean;
    const row = { ...chosen, label };
    return c.loss === "kto" ? { ...row, kl_completion: ids(p.rejected).completion } : row;
  });
  const cacheDir = summary.config.cacheDir;
  const [file] = (await readdir(cacheDir)).filter((n) => n.startsWith("reference-") && n.endsWith(".json"));
  const cache = JSON.parse(await readFile(join(cacheDir, file as string), "utf8")) as {
    chosen: number[];
    rejected: number[];
  };
  const weights = async (folder: string) =>
    new Map(
      [...(await readCheckpointWeights(folder, { dtype: "float64" }))].map(([name, t]) => [
        name,
        t.data as Float64Array,
      ]),
    );
  return {
    rows,
    reference: { first: cache.chosen, second: cache.rejected },
    steps,
    initial: await weights(summary.config.model),
    final: await weights(summary.checkpoints.at(-1) as string),
  };
}

/**
 * One unit in the last place of `x` rounded to float32: the gap from |x| to the next float32 up.
 *
 * @example
 * ```ts
 * float32Ulp(1); // 2 ** -23
 * ```
 */
export function float32Ulp(x: number): number {
  const f = new Float32Array([Math.abs(x)]);
  const bits = new Int32Array(f.buffer);
  const at = f[0] as number;
  bits[0] = (bits[0] as number) + 1;
  return (f[0] as number) - at;
}

/** Worst errors of a run against a recorded TRL run (see {@link compareTrlOracleRun}). */
export interface TrlOracleErrors {
  /** Per-row reference log-probs, relative. */
  reference: number;
  loss: number;
  gradNorm: number;
  learningRate: number;
  rewardsChosen: number;
  rewardsRejected: number;
  /** max over tensors of max_k |ours − theirs| / update_max (at the recorded indices). */
  weights: number;
  /** The tensor behind `weights`. */
  worstTensor: string;
  /** Steps compared (ours and theirs must have as many). */
  steps: number;
}

/** |a − b| / |b|, with |b| floored at `floor` (rewards are exactly 0 at the first step). */
export const relative = (a: number, b: number, floor = 1e-12): number =>
  Math.abs(a - b) / Math.max(Math.abs(b), floor);

/**
 * The worst error of each quantity of `ours` against `theirs`: reference log-probs, each step's loss,
 * grad norm, learning rate and rewards (where TRL logged them), all relative, and the final weights
 * relative to the size of TRL's update of each tensor (`scale`'s, default `theirs`). Rewards β·Δ are
 * relative to max(|β·Δ|, β): near 0 (the first step's are exactly 0) a log-ratio Δ is only as precise as
 * the log-prob sums it is the difference of, whatever its own size. With `storageRoundings` n (float32
 * runs: n = steps + 1), a weight's error counts only beyond n half-units in the last place of its float32
 * value: storing the weight in float32 at load and after each step rounds it that much, whatever the
 * arithmetic before.
 *
 * @example
 * ```ts
 * compareTrlOracleRun(ours, fixture.cases[name]!.float64, 0.1).loss; // 3e-15
 * ```
 */
export function compareTrlOracleRun(
  ours: Pick<OurTrlOracleRun, "reference" | "steps" | "final">,
  theirs: TrlOracleRun,
  beta: number,
  scale: TrlOracleRun = theirs,
  storageRoundings = 0,
): TrlOracleErrors {
  const max = (values: number[]) =>
    values.reduce((m, v) => (Number.isNaN(v) ? Number.NaN : Math.max(m, v)), 0);
  const ref = theirs.reference;
  const [first, second] = "chosen" in ref ? [ref.chosen, ref.rejected] : [ref.completion, ref.kl];
  const reference = max([
    ...first.map((v, i) => relative(ours.reference.first[i] as number, v)),
    ...second.flatMap((v, i) => (v === null ? [] : [relative(ours.reference.second[i] as number, v)])),
  ]);
  const steps = theirs.steps;
  const reward = (key: "rewards/chosen" | "rewards/rejected", pick: (r: StepReport) => number) =>
    max(
      steps.flatMap((s, i) => {
        const v = s[key];
        const r = ours.steps[i];
        return v === null || r === undefined ? [] : [relative(pick(r), v, beta)];
      }),
    );
  const stepErrors = (pick: (r: StepReport) => number, key: "loss" | "grad_norm" | "learning_rate") =>
    max(
      steps.map((s, i) => (ours.steps[i] === undefined ? Number.NaN : relative(pick(ours.steps[i]), s[key]))),
    );
  let weights = 0;
  let worstTensor = "";
  for (const [name, t] of Object.entries(theirs.weights)) {
    const w = ours.final.get(name);
    const size = scale.weights[name]?.update_max ?? t.update_max;
    const e =
      w === undefined
        ? Number.NaN
        : max(
            t.indices.map((i, k) => {
              const want = t.values[k] as number;
              const slack = (storageRoundings * float32Ulp(want)) / 2;
              return Math.max(0, Math.abs((w[i] as number) - want) - slack) / size;
            }),
          );
    if (!(e <= weights)) {
      weights = e;
      worstTensor = name;
    }
  }
  return {
    reference,
    loss: stepErrors((r) => r.loss, "loss"),
    gradNorm: stepErrors((r) => r.gradNorm, "grad_norm"),
    learningRate: stepErrors((r) => r.lr, "learning_rate"),
    rewardsChosen: reward("rewards/chosen", (r) => r.chosenReward),
    rewardsRejected: reward("rewards/rejected", (r) => r.rejectedReward),
    weights,
    worstTensor,
    steps: Math.min(ours.steps.length, steps.length) === steps.length ? steps.length : -1,
  };
}

/**
 * A recorded TRL run in the shape of ours, to measure it against another recorded run (TRL's float32 run
 * against its float64 one): final weights are known at the recorded indices only.
 *
 * @example
 * ```ts
 * compareTrlOracleRun(trlRunAsOurs(record.float32), record.float64, 0.1).loss; // TRL's own float32 error
 * ```
 */
export function trlRunAsOurs(run: TrlOracleRun): Pick<OurTrlOracleRun, "reference" | "steps" | "final"> {
  const ref = run.reference;
  const [first, second] = "chosen" in ref ? [ref.chosen, ref.rejected] : [ref.completion, ref.kl];
  const final = new Map<string, Float64Array>();
  for (const [name, t] of Object.entries(run.weights)) {
    const data = new Float64Array(Math.max(...t.indices) + 1);
    t.indices.forEach((i, k) => {
      data[i] = t.values[k] as number;
    });
    final.set(name, data);
  }
  return {
    reference: { first, second: second.map((v) => v ?? Number.NaN) },
    steps: run.steps.map((s) => ({
      step: s.step,
      epoch: 0,
      loss: s.loss,
      chosenReward: s["rewards/chosen"] ?? 0,
      rejectedReward: s["rewards/rejected"] ?? 0,
      gradNorm: s.grad_norm,
      lr: s.learning_rate,
      tokens: 0,
      seconds: 0,
    })),
    final,
  };
}

/**
 * Write `src`'s checkpoint again as float32 with every nonzero weight moved by one unit in the last place,
 * up or down at random (seeded): a float32 twin of the model that differs from it only by rounding. A run
 * from it is as valid a float32 run as one from `src`, so how far the two runs end apart is the float32
 * rounding noise of each quantity (see {@link roundingNoise}).
 *
 * @example
 * ```ts
 * await writeNudgedModel(join(dir, "models/llama"), join(dir, "models/llama-nudged"));
 * ```
 */
export async function writeNudgedModel(src: string, dst: string, seed = 1): Promise<void> {
  const model = await loadPretrainedModel(src, { dtype: "float32" });
  const rng = new SeededRandom(seed);
  for (const t of model.weights.values()) {
    const data = t.data as Float32Array;
    const bits = new Int32Array(data.buffer, data.byteOffset, data.length);
    for (let i = 0; i < data.length; i++) {
      // ±1 on the bit pattern is the next float32 away from or toward zero.
      if (data[i] !== 0) bits[i] = (bits[i] as number) + (rng.uniform() < 0.5 ? 1 : -1);
    }
  }
  await savePretrainedModel(model, dst, { dtype: "F32" });
}

/**
 * How far `ours` is from `twins`, runs of the same case from nudged models ({@link writeNudgedModel}, one
 * seed each), in the terms of {@link compareTrlOracleRun} (relative to the float64 record `scale`'s values
 * and update sizes), the worst twin per quantity: the change one unit in the last place of the inputs
 * makes, below which two float32 runs cannot be told apart. `storageRoundings` as in
 * {@link compareTrlOracleRun}.
 *
 * @example
 * ```ts
 * const noise = roundingNoise(ours, [twin1, twin2], record.float64, 0.1).weights;
 * ```
 */
export function roundingNoise(
  ours: Pick<OurTrlOracleRun, "reference" | "steps" | "final">,
  twins: readonly Pick<OurTrlOracleRun, "reference" | "steps" | "final">[],
  scale: TrlOracleRun,
  beta: number,
  storageRoundings = 0,
): TrlOracleErrors {
  const all = twins.map((twin) =>
    compareTrlOracleRun(ours, asRecorded(twin, scale), beta, scale, storageRoundings),
  );
  const worst = (q: Exclude<keyof TrlOracleErrors, "worstTensor" | "steps">) =>
    Math.max(...all.map((e) => e[q]));
  const weights = worst("weights");
  return {
    reference: worst("reference"),
    loss: worst("loss"),
    gradNorm: worst("gradNorm"),
    learningRate: worst("learningRate"),
    rewardsChosen: worst("rewardsChosen"),
    rewardsRejected: worst("rewardsRejected"),
    weights,
    worstTensor: all.find((e) => e.weights === weights)?.worstTensor ?? "",
    steps: Math.min(...all.map((e) => e.steps)),
  };
}

/** Our run in the terms of a TRL record `like` (its indices, update sizes and absent keys). */
function asRecorded(
  run: Pick<OurTrlOracleRun, "reference" | "steps" | "final">,
  like: TrlOracleRun,
): TrlOracleRun {
  const weights: Record<string, TrlOracleTensor> = {};
  for (const [name, t] of Object.entries(like.weights)) {
    const w = run.final.get(name);
    weights[name] = { ...t, values: t.indices.map((i) => (w === undefined ? Number.NaN : (w[i] as number))) };
  }
  const ref = like.reference;
  const reference =
    "chosen" in ref
      ? { chosen: [...run.reference.first], rejected: [...run.reference.second] }
      : {
          completion: [...run.reference.first],
          kl: ref.kl.map((v, i) => (v === null ? null : (run.reference.second[i] as number))),
        };
  const steps = like.steps.map((s, i) => {
    const r = run.steps[i];
    const pick = (v: number | undefined) => v ?? Number.NaN;
    return {
      ...s,
      loss: pick(r?.loss),
      grad_norm: pick(r?.gradNorm),
      learning_rate: pick(r?.lr),
      "rewards/chosen": s["rewards/chosen"] === null ? null : pick(r?.chosenReward),
      "rewards/rejected": s["rewards/rejected"] === null ? null : pick(r?.rejectedReward),
    };
  });
  return { reference, steps, weights };
}

/** The quantities of the float32 bound. */
export const FLOAT32_QUANTITIES = [
  "reference",
  "loss",
  "gradNorm",
  "learningRate",
  "rewardsChosen",
  "rewardsRejected",
  "weights",
] as const;

/** A quantity of the float32 bound. */
export type Float32Quantity = (typeof FLOAT32_QUANTITIES)[number];

/**
 * The rounding floors of the float32 bound ({@link float32Bounds}), per quantity: errors below them are
 * float32 rounding of the quantity itself, where two float32 runs tie.
 *
 * ```text
 * reference 2⁻²²: two units in the last place of a float32 log-prob sum, relative
 * rewards   2⁻²³ · median_rows |log π_ref|: one unit in the last place of a typical row's sum (a reward is
 *           β times a difference of two such sums, and is measured in units of β)
 * loss, grad norm, learning rate 1e-6; weights 1e-5 of the update
 * ```
 *
 * @example
 * ```ts
 * float32Floors(record.float64).rewardsChosen; // e.g. 9.9e-6 for sums of about 83 nats
 * ```
 */
export function float32Floors(float64: TrlOracleRun): Record<Float32Quantity, number> {
  const ref = float64.reference;
  const sums = ("chosen" in ref ? [...ref.chosen, ...ref.rejected] : [...ref.completion, ...ref.kl])
    .filter((v): v is number => v !== null)
    .map(Math.abs)
    .sort((a, b) => a - b);
  const median = sums.length === 0 ? 0 : (sums[Math.floor((sums.length - 1) / 2)] as number);
  const rewards = 2 ** -23 * median;
  return {
    reference: 2 ** -22,
    loss: 1e-6,
    gradNorm: 1e-6,
    learningRate: 1e-6,
    rewardsChosen: rewards,
    rewardsRejected: rewards,
    weights: 1e-5,
  };
}

/**
 * The float32 bound of issue 17, per quantity: our float32 run may be as far from TRL's float64 run as TRL's
 * own float32 run is (`theirs`), or as far as float32 rounding alone takes a run, whichever is larger:
 *
 * ```text
 * bound_q = max(theirs_q, floor_q, noise_q)
 * floor:  float32Floors (the rounding of the quantity itself)
 * noise:  our distance from our float32 runs of the nudged models (roundingNoise)
 * ```
 *
 * Weights are compared beyond their storage rounding (`storageRoundings`, see {@link compareTrlOracleRun}).
 *
 * @example
 * ```ts
 * const bound = float32Bounds(theirs, noise, record.float64);
 * ours.loss <= bound.loss;
 * ```
 */
export function float32Bounds(
  theirs: TrlOracleErrors,
  noise: TrlOracleErrors,
  float64: TrlOracleRun,
): Record<Float32Quantity, number> {
  const floor = float32Floors(float64);
  return Object.fromEntries(
    FLOAT32_QUANTITIES.map((q) => [q, Math.max(theirs[q], floor[q], noise[q])]),
  ) as Record<Float32Quantity, number>;
}
