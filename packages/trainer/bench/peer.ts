/**
 * `pnpm bench:peer`: our forward log-probs and training step against PyTorch's on the same CPU, same model
 * folder, same packed rows, same step (APO-zero, β 0.1, clipping at 1.0, RMSprop at lr 1e-6), alternating
 * rounds in one run; and each side's peak RSS while training. Never part of `pnpm test` (it needs Python).
 *
 *   pnpm bench:peer                         # every size, 3 rounds (~10 min on 2 cores)
 *   pnpm bench:peer --sizes small --rounds 1 # Llama 9.9M, 8 pairs × 128 only: a smoke run (~1 min)
 *   pnpm bench:peer --sizes 9.9M-8x512,135M-2x256 --rounds 5 --no-rss
 *   pnpm bench:peer --whole-run              # apo train, 32 pairs × 512, vs a PyTorch loop (~5 min)
 *   pnpm bench:peer --whole-run --pairs 16 --seq 128 --rounds 1   # its smoke run
 *   pnpm bench:peer --lora --sizes 135M-2x512 --rounds 2 --torch-passive   # issue 23: LoRA vs PEFT
 *
 * Options: `--sizes small|all|NAME,…` (names below), `--rounds N` (default 3), `--threads N` (PyTorch's
 * `set_num_threads`, default 2), `--std S` (weights' std, default createTinyModel's 0.2, as `pnpm bench`),
 * `--no-rss` (skip the peak-RSS processes), `--recompute on|off` (our activation recomputation; default as `apo
 * train` decides it: on from 1024 tokens per run), `--lora` (issue 23: train a LoRA adapter instead, r 16, alpha 32, every
 * linear layer; the parent saves one adapter, PEFT's init with seed 0, into the model folder, and both sides load
 * it: ours with loadLoraAdapter into TrainStepSession, PyTorch with PEFT's PeftModel.from_pretrained; the forward
 * column is then the reference log-probs, the base model's, PyTorch's under `disable_adapter()`; the step clips
 * and updates the adapters only; also checked: both sides train the same number of parameters), `--torch-passive` (PyTorch's OpenMP threads sleep when idle instead of
 * spinning: on a loaded machine the spinning slows PyTorch several times more than us, so loaded runs need it), `--whole-run [--pairs 32] [--seq 512]` (instead of the sizes: the
 * whole `apo train` command, 1 epoch, batch 8, no held-out split, against the equivalent PyTorch loop). Env: `PEER_PYTHON` (default `python3`) must have torch and
 * transformers.
 *
 * Per size the parent writes one model folder (createTinyModel, seed 0) and `rows.json` (the packed rows:
 * 2B full-length rows, chosen first; a pair's rows share a T/4-token prompt, then differ in 3T/4 completion tokens), then
 * - a timing child process loads the folder (loadPretrainedModel) and starts `peer_torch.py`, which loads the
 *   same folder with transformers' AutoModelForCausalLM (float32, SDPA). The first forward and the first step
 *   of each side are compared (log-probs within 1e-4 relative, loss within 1e-5, gradient norm within 1e-3
 *   relative and non-zero), then N rounds alternate: our forward, theirs, our step, theirs. Each side times
 *   its own calls; the table shows the fastest of each and, beside the ratio of those, the median of the
 *   rounds' own ratios. The reference of every step is the policy's own initial log-probs (margin 0, where
 *   APO-zero's gradients are largest), as at the start of a real run.
 * - two more processes measure peak RSS while training, one per side, each alone: load the folder, compute
 *   the reference log-probs (ours: a step at lr 0; theirs: a no_grad forward), take two steps.
 * A failed agreement check exits 1; a missed speed or memory target only shows ✗.
 *
 * `--whole-run` writes the Llama 9.9M folder and a JSONL of pre-tokenised pairs (`prompt_ids`, `chosen_ids`,
 * `rejected_ids`), then alternates: `apo train` (trainCommand in a child process, timed after the imports, so
 * tsx's transpiling is not counted) and `peer_torch.py --whole-run` (timed after importing torch and
 * transformers), each into a fresh folder; each reports its time and its process's peak RSS.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createTinyModel,
  initLoraWeights,
  LogProbSession,
  type LoraConfig,
  loadLoraAdapter,
  loadPretrainedModel,
  type PackedBatch,
  type PretrainedModel,
  packSequences,
  saveLoraAdapter,
  TrainStepSession,
  type TrainStepSessionOptions,
} from "../src/index.js";
import type { WeightMap } from "../src/safetensors/tensor.js";
import { trainCommand } from "../src/train/train-command.js";
import { recomputeFor } from "../src/train-step/recompute-by-default.js";
import { LLAMA_9_9M, type ModelShape, mulberry32Ids, SMOLLM_135M } from "./bench-shapes.js";
import { pairedMedianRatio } from "./interleaved.js";
import { PeerWorker } from "./peer-worker.js";

/** One bench size: the model's dimensions and the batch. */
interface PeerSize {
  readonly label: string;
  readonly model: ModelShape;
  readonly pairs: number;
  readonly seq: number;
}

/** The sizes of issues 18 and 23; `small` is the smoke run. */
const SIZES = {
  "9.9M-8x512": { label: "Llama 9.9M, 8 pairs × 512", model: LLAMA_9_9M, pairs: 8, seq: 512 },
  "9.9M-8x128": { label: "Llama 9.9M, 8 pairs × 128", model: LLAMA_9_9M, pairs: 8, seq: 128 },
  "135M-2x256": { label: "SmolLM-135M shape, 2 pairs × 256", model: SMOLLM_135M, pairs: 2, seq: 256 },
  "135M-2x512": { label: "SmolLM-135M shape, 2 pairs × 512", model: SMOLLM_135M, pairs: 2, seq: 512 },
  "135M-2x128": { label: "SmolLM-135M shape, 2 pairs × 128", model: SMOLLM_135M, pairs: 2, seq: 128 },
} as const satisfies Record<string, PeerSize>;
type SizeName = keyof typeof SIZES;

const LR = 1e-6;
const BETA = 0.1;
const MAX_GRAD_NORM = 1;
const TOLERANCE = { logp: 1e-4, loss: 1e-5, gradNorm: 1e-3 } as const;

/** `--lora` (issue 23): PEFT's defaults as `apo train --lora` has them, on every linear layer. */
const LORA: LoraConfig = { r: 16, alpha: 32, targets: ["all-linear"] };
/** Where the parent saves the adapter both sides start from (inside the model folder). */
const ADAPTER_DIR = "adapter";

/**
 * The step of both sides; with `adapters`, a LoRA step over the adapters only (the base frozen). Ours
 * recomputes activations as `apo train` decides it (`recomputeFor`: on from 1024 tokens per run) unless
 * `--recompute on|off` says otherwise.
 */
const STEP_OPTIONS = (batch: PackedBatch, env: Env, adapters?: WeightMap): TrainStepSessionOptions => ({
  loss: "apo_zero",
  lossParams: { beta: BETA },
  optimizer: "rmsprop",
  maxGradNorm: MAX_GRAD_NORM,
  expectedSequenceLength: batch.seq,
  recompute: recomputeFor(env.recompute, batch.batch, batch.seq),
  // As `apo train` does: the model is loaded for this session alone.
  adoptWeights: true,
  ...(adapters === undefined ? {} : { lora: LORA, adapters }),
});

interface PackedRowsJson {
  readonly input_ids: number[][];
  readonly attention_mask: number[][];
  readonly completion_mask: number[][];
}

/** A pre-tokenised preference pair, as `apo train` reads it (`prompt_ids`, `chosen_ids`, `rejected_ids`). */
interface IdPair {
  readonly prompt_ids: number[];
  readonly chosen_ids: number[];
  readonly rejected_ids: number[];
}

/**
 * Pairs of full-length sequences: a prompt of T/4 tokens, then a chosen and a rejected completion of 3T/4
 * tokens each, ids drawn uniformly from [3, vocab) with mulberry32 (fixed seed).
 */
function makePairs(pairs: number, seq: number, vocab: number): IdPair[] {
  const next = mulberry32Ids(0x9e3779b9, vocab);
  const ids = (n: number) => Array.from({ length: n }, next);
  return Array.from({ length: pairs }, () => ({
    prompt_ids: ids(seq / 4),
    chosen_ids: ids((3 * seq) / 4),
    rejected_ids: ids((3 * seq) / 4),
  }));
}

/** 2B rows of B pairs: the chosen rows, then the rejected rows of the same pairs. */
function makeRows(pairs: number, seq: number, vocab: number): PackedBatch {
  const made = makePairs(pairs, seq, vocab);
  const rows = [
    ...made.map((p) => ({ promptIds: p.prompt_ids, completionIds: p.chosen_ids })),
    ...made.map((p) => ({ promptIds: p.prompt_ids, completionIds: p.rejected_ids })),
  ];
  return packSequences(rows, { padId: 0, maxLength: seq, vocabSize: vocab });
}

function rowsToJson(b: PackedBatch): PackedRowsJson {
  const rows = (a: BigInt64Array) =>
    Array.from({ length: b.batch }, (_, r) => Array.from(a.subarray(r * b.seq, (r + 1) * b.seq), Number));
  return {
    input_ids: rows(b.inputIds),
    attention_mask: rows(b.attentionMask),
    completion_mask: rows(b.completionMask),
  };
}

function rowsFromJson(j: PackedRowsJson): PackedBatch {
  const flat = (m: number[][]) => BigInt64Array.from(m.flat(), (v) => BigInt(v));
  return {
    batch: j.input_ids.length,
    seq: j.input_ids[0]?.length ?? 0,
    inputIds: flat(j.input_ids),
    attentionMask: flat(j.attention_mask),
    completionMask: flat(j.completion_mask),
  };
}

function maxRelativeDiff(ours: ArrayLike<number>, theirs: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < theirs.length; i++) {
    const a = ours[i] as number;
    const b = theirs[i] as number;
    worst = Math.max(worst, Math.abs(a - b) / Math.max(Math.abs(b), 1e-30));
  }
  return ours.length === theirs.length ? worst : Number.POSITIVE_INFINITY;
}

/** What the timing child reports. */
interface TimingResult {
  readonly params: number;
  /** Parameters the step updates: all of them, or with --lora the adapters' (ours, then PyTorch's). */
  readonly trainable: number;
  readonly torchTrainable: number;
  readonly versions: string;
  readonly check: {
    readonly logpMaxRel: number;
    readonly lossOurs: number;
    readonly lossTorch: number;
    readonly gradNormOurs: number;
    readonly gradNormTorch: number;
    readonly stepLogpMaxRel: number;
  };
  readonly forward: { readonly ours: number[]; readonly torch: number[] };
  readonly step: { readonly ours: number[]; readonly torch: number[] };
  /** Peak RSS of each timing process (forward and step sessions both open). */
  readonly processRssMiB: { readonly ours: number; readonly torch: number };
}

interface Env {
  readonly dir: string;
  /** `--lora`: both sides train the adapter saved in `dir/adapter` (PyTorch through PEFT). */
  readonly lora: boolean;
  readonly rounds: number;
  readonly python: string;
  readonly threads: number;
  /** `--recompute on|off` (default auto, as `apo train`). */
  readonly recompute: boolean | "auto";
}

async function timingChild(env: Env): Promise<TimingResult> {
  const rowsPath = join(env.dir, "rows.json");
  const batch = rowsFromJson(JSON.parse(await readFile(rowsPath, "utf8")) as PackedRowsJson);
  const torch = PeerWorker.start(env.python, env.threads);
  try {
    const loaded = await torch.load({
      model: env.dir,
      rows: rowsPath,
      lr: LR,
      beta: BETA,
      maxGradNorm: MAX_GRAD_NORM,
      ...(env.lora ? { adapter: join(env.dir, ADAPTER_DIR) } : {}),
    });
    const model = await loadPretrainedModel(env.dir);
    // With --lora the forward is the base model's (the reference log-probs, adapter off on PyTorch's side).
    const forward = await LogProbSession.create(model);
    const trainer = await TrainStepSession.create(
      model,
      STEP_OPTIONS(batch, env, await adaptersOf(env, model)),
    );

    // First calls: the agreement checks, and each side's warm-up.
    const forwardLogp = (await forward.runPacked(batch)).map((r) => r.logp);
    const torchForward = await torch.forward();
    // The step's reference is the step graph's own log-probs (a step at lr 0, which changes nothing), so
    // that both first losses are 1 up to rounding; the forward session's differ from them by float32
    // rounding (~1e-6 relative), which at |logp| ~ 1000 moves APO-zero's loss by ~1e-5.
    const stepReference = (await trainer.step(batch, new Float64Array(batch.batch), 0)).policyLogp;
    const firstStep = await trainer.step(batch, stepReference, LR);
    const torchFirstStep = await torch.step();

    const times = {
      forward: { ours: [] as number[], torch: [] as number[] },
      step: { ours: [] as number[], torch: [] as number[] },
    };
    for (let i = 0; i < env.rounds; i++) {
      let start = performance.now();
      await forward.runPacked(batch);
      times.forward.ours.push(performance.now() - start);
      times.forward.torch.push((await torch.forward()).ms);
      start = performance.now();
      await trainer.step(batch, stepReference, LR);
      times.step.ours.push(performance.now() - start);
      times.step.torch.push((await torch.step()).ms);
      process.stderr.write(`  round ${i + 1}/${env.rounds} done\n`);
    }
    let trainable = 0;
    for (const w of trainer.weights.values()) trainable += w.length;
    await forward.release();
    await trainer.release();
    let params = 0;
    for (const t of model.weights.values()) params += t.data.length;
    return {
      params,
      trainable,
      torchTrainable: loaded.trainable,
      versions: `torch ${loaded.torch}, transformers ${loaded.transformers}, ${loaded.threads} threads`,
      check: {
        logpMaxRel: maxRelativeDiff(forwardLogp, torchForward.logp),
        lossOurs: firstStep.loss,
        lossTorch: torchFirstStep.loss,
        gradNormOurs: firstStep.gradNorm,
        gradNormTorch: torchFirstStep.grad_norm,
        stepLogpMaxRel: maxRelativeDiff(firstStep.policyLogp, torchFirstStep.logp),
      },
      ...times,
      processRssMiB: { ours: process.resourceUsage().maxRSS / 1024, torch: await torch.maxRssMiB() },
    };
  } finally {
    await torch.close();
  }
}

/** With --lora, the adapter the parent saved (PEFT's format), else nothing (full fine-tuning). */
async function adaptersOf(env: Env, model: PretrainedModel): Promise<WeightMap | undefined> {
  return env.lora ? (await loadLoraAdapter(join(env.dir, ADAPTER_DIR), { model })).weights : undefined;
}

/** Our peak RSS while training, alone in its process: load, reference log-probs (a step at lr 0), two steps. */
async function oursRssChild(env: Env): Promise<{ maxRssMiB: number }> {
  const batch = rowsFromJson(
    JSON.parse(await readFile(join(env.dir, "rows.json"), "utf8")) as PackedRowsJson,
  );
  const model = await loadPretrainedModel(env.dir);
  const trainer = await TrainStepSession.create(
    model,
    STEP_OPTIONS(batch, env, await adaptersOf(env, model)),
  );
  const reference = (await trainer.step(batch, new Float64Array(batch.batch), 0)).policyLogp;
  for (let i = 0; i < 2; i++) await trainer.step(batch, reference, LR);
  await trainer.release();
  return { maxRssMiB: process.resourceUsage().maxRSS / 1024 };
}

/** PyTorch's peak RSS while training, in a fresh worker: load, a no_grad forward (the reference), two steps. */
async function torchRss(env: Env): Promise<number> {
  const torch = PeerWorker.start(env.python, env.threads);
  try {
    await torch.load({
      model: env.dir,
      rows: join(env.dir, "rows.json"),
      lr: LR,
      ...(env.lora ? { adapter: join(env.dir, ADAPTER_DIR) } : {}),
    });
    await torch.forward();
    for (let i = 0; i < 2; i++) await torch.step();
    return await torch.maxRssMiB();
  } finally {
    await torch.close();
  }
}

/** The whole-run comparison's shared settings: `apo train`'s flags and the PyTorch loop's. */
const WHOLE_RUN = { epochs: 1, batchSize: 8, seed: 42 } as const;

interface WholeEnv {
  readonly model: string;
  readonly data: string;
  readonly out: string;
}

/** What each side of a whole run reports: seconds from after its imports to its end, and its peak RSS. */
interface WholeResult {
  readonly seconds: number;
  readonly maxRssMiB: number;
}

/** `apo train` in this process (after the imports, as PyTorch's loop is timed after its own). */
async function oursWholeChild(env: WholeEnv): Promise<WholeResult> {
  const start = performance.now();
  const code = await trainCommand([
    ...["--model", env.model, "--data", env.data, "--out", env.out],
    ...["--epochs", String(WHOLE_RUN.epochs), "--batch-size", String(WHOLE_RUN.batchSize)],
    ...["--lr", String(LR), "--beta", String(BETA), "--max-grad-norm", String(MAX_GRAD_NORM)],
    ...["--eval-fraction", "0", "--seed", String(WHOLE_RUN.seed)],
  ]);
  if (code !== 0) throw new Error(`apo train exited with ${code}`);
  return { seconds: (performance.now() - start) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
}

/** The PyTorch loop (`peer_torch.py --whole-run`) in its own process. */
function torchWhole(env: WholeEnv, python: string, threads: number): WholeResult {
  const script = fileURLToPath(new URL("./peer_torch.py", import.meta.url));
  const out = execFileSync(
    python,
    [
      ...[script, "--whole-run", "--threads", String(threads)],
      ...["--model", env.model, "--data", env.data, "--out", env.out],
      ...["--epochs", String(WHOLE_RUN.epochs), "--batch-size", String(WHOLE_RUN.batchSize)],
      ...["--lr", String(LR), "--beta", String(BETA), "--max-grad-norm", String(MAX_GRAD_NORM)],
      ...["--seed", String(WHOLE_RUN.seed)],
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 },
  );
  const r = JSON.parse(out.trim().split("\n").at(-1) as string) as { seconds: number; max_rss_mib: number };
  return { seconds: r.seconds, maxRssMiB: r.max_rss_mib };
}

/** `--whole-run`: `apo train` on P pairs × T tokens (Llama 9.9M) against the PyTorch loop, alternating. */
async function wholeRun(o: { rounds: number; python: string; threads: number; std: number | undefined }) {
  const pairs = Number(option("--pairs") ?? 32);
  const seq = Number(option("--seq") ?? 512);
  const label = `apo train, Llama 9.9M, ${pairs} pairs × ${seq}, ${WHOLE_RUN.epochs} epoch, batch ${WHOLE_RUN.batchSize}`;
  const dir = await mkdtemp(join(tmpdir(), "apo-peer-whole-"));
  try {
    const model = join(dir, "model");
    await createTinyModel({
      family: "llama",
      seed: 0,
      maxPositions: seq,
      ...(o.std === undefined ? {} : { std: o.std }),
      ...LLAMA_9_9M,
      out: model,
    });
    const data = join(dir, "pairs.jsonl");
    const made = makePairs(pairs, seq, 259);
    await writeFile(data, made.map((p) => `${JSON.stringify(p)}\n`).join(""));
    const ours: WholeResult[] = [];
    const torch: WholeResult[] = [];
    for (let i = 0; i < o.rounds; i++) {
      process.stderr.write(`${label}: round ${i + 1}/${o.rounds}, ours\n`);
      ours.push(runChild<WholeResult>("whole", { model, data, out: join(dir, `ours-${i}`) }));
      process.stderr.write(`${label}: round ${i + 1}/${o.rounds}, PyTorch\n`);
      torch.push(torchWhole({ model, data, out: join(dir, `torch-${i}`) }, o.python, o.threads));
    }
    const fastest = (r: WholeResult[]) => Math.min(...r.map((x) => x.seconds));
    const peak = (r: WholeResult[]) => Math.max(...r.map((x) => x.maxRssMiB));
    const ratio = fastest(ours) / fastest(torch);
    const median =
      o.rounds > 1
        ? ` (rounds' median ${pairedMedianRatio(
            ours.map((x) => x.seconds),
            torch.map((x) => x.seconds),
          ).toFixed(2)}×)`
        : "";
    const rss = peak(ours) / peak(torch);
    console.log(
      `whole run: \`apo train\` (in-process, timed after the imports) vs a PyTorch loop (${o.threads} threads; ` +
        `no_grad reference log-probs, then APO-zero + clipping + RMSprop, linear decay, save_pretrained), ` +
        `fastest of ${o.rounds} alternating round${o.rounds > 1 ? "s" : ""}`,
    );
    console.log("");
    console.log("| run | time, ours / torch | ratio (≤ 1) | peak RSS, ours / torch | ratio (≤ 1) |");
    console.log("|---|---|---|---|---|");
    console.log(
      `| ${label} | ${fastest(ours).toFixed(1)} s / ${fastest(torch).toFixed(1)} s | ${ratio.toFixed(2)}×${median} ${mark(ratio)} | ` +
        `${mib(peak(ours))} / ${mib(peak(torch))} | ${rss.toFixed(2)}× ${mark(rss)} |`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runChild<T>(mode: "timing" | "rss" | "whole", env: Env | WholeEnv): T {
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, PEER_CHILD: mode, PEER_ENV: JSON.stringify(env) },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split("\n").at(-1) as string) as T;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

function parseSizes(value: string): SizeName[] {
  if (value === "all") return Object.keys(SIZES) as SizeName[];
  if (value === "small") return ["9.9M-8x128"];
  const names = value.split(",");
  for (const n of names) {
    if (!(n in SIZES))
      throw new Error(`unknown size ${n}: use small, all or a list of ${Object.keys(SIZES).join(", ")}`);
  }
  return names as SizeName[];
}

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`);
const mib = (v: number) => (v >= 1024 ? `${(v / 1024).toFixed(2)} GiB` : `${v.toFixed(0)} MiB`);
const mark = (ratio: number) => (ratio <= 1 ? "✓" : "✗");

/** `ours / torch | ratio ✓` from fastest-of-rounds times, with the rounds' median ratio when there are several. */
function timeCells(t: { readonly ours: number[]; readonly torch: number[] }): string {
  const ours = Math.min(...t.ours);
  const torch = Math.min(...t.torch);
  const ratio = ours / torch;
  const median =
    t.ours.length > 1 ? ` (rounds' median ${pairedMedianRatio(t.ours, t.torch).toFixed(2)}×)` : "";
  return `${ms(ours)} / ${ms(torch)} | ${ratio.toFixed(2)}×${median} ${mark(ratio)}`;
}

async function main(): Promise<void> {
  const sizes = parseSizes(option("--sizes") ?? "all");
  const rounds = Number(option("--rounds") ?? 3);
  const threads = Number(option("--threads") ?? 2);
  const stdOption = option("--std");
  const std = stdOption === undefined ? undefined : Number(stdOption);
  const withRss = !process.argv.includes("--no-rss");
  const python = process.env.PEER_PYTHON ?? "python3";
  // PyTorch's OpenMP threads spin between parallel regions; on a shared machine any third runnable thread
  // then stalls each region, which slows PyTorch far more than onnxruntime: loaded runs flatter us.
  const passive = process.argv.includes("--torch-passive");
  const lora = process.argv.includes("--lora");
  const recomputeFlag = option("--recompute");
  const recompute = recomputeFlag === undefined ? "auto" : recomputeFlag === "on";
  if (recomputeFlag !== undefined && recomputeFlag !== "on" && recomputeFlag !== "off")
    throw new Error(`--recompute must be on or off, got ${recomputeFlag}`);
  if (passive) process.env.OMP_WAIT_POLICY = "PASSIVE";
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds must be an integer ≥ 1, got ${rounds}`);
  if (process.argv.includes("--whole-run")) {
    await wholeRun({ rounds, python, threads, std });
    return;
  }

  const rows: string[] = [];
  const checks: string[] = [];
  let agreed = true;
  let versions = "";
  for (const name of sizes) {
    const size: PeerSize = SIZES[name];
    process.stderr.write(`${size.label}: writing the model folder and rows\n`);
    const dir = await mkdtemp(join(tmpdir(), "apo-peer-"));
    try {
      const model = await createTinyModel({
        family: "llama",
        seed: 0,
        maxPositions: size.seq,
        ...(std === undefined ? {} : { std }),
        ...size.model,
        out: dir,
      });
      const batch = makeRows(size.pairs, size.seq, model.config.vocabSize);
      await writeFile(join(dir, "rows.json"), JSON.stringify(rowsToJson(batch)));
      // --lora: one adapter (PEFT's init, seed 0: A uniform, B zero) that both sides load from disk.
      if (lora) {
        const weights = initLoraWeights(model, LORA, 0);
        await saveLoraAdapter(join(dir, ADAPTER_DIR), { config: LORA, weights, model, baseModel: dir });
      }
      const env: Env = { dir, lora, rounds, python, threads, recompute };
      process.stderr.write(`${size.label}: ${rounds} alternating rounds\n`);
      const t = runChild<TimingResult>("timing", env);
      versions = t.versions;
      let rss: { ours: number; torch: number } | null = null;
      if (withRss) {
        process.stderr.write(`${size.label}: peak RSS while training, each side alone\n`);
        const ours = runChild<{ maxRssMiB: number }>("rss", env).maxRssMiB;
        rss = { ours, torch: await torchRss(env) };
      }
      const c = t.check;
      const lossDiff = Math.abs(c.lossOurs - c.lossTorch);
      const gradRel = Math.abs(c.gradNormOurs - c.gradNormTorch) / c.gradNormTorch;
      const ok = {
        logp: c.logpMaxRel <= TOLERANCE.logp && c.stepLogpMaxRel <= TOLERANCE.logp,
        loss: lossDiff <= TOLERANCE.loss,
        grad: gradRel <= TOLERANCE.gradNorm && c.gradNormOurs > 0 && c.gradNormTorch > 0,
        // --lora: both sides train the same adapter tensors (full fine-tuning: ties count once or twice).
        trainable: !lora || t.trainable === t.torchTrainable,
      };
      agreed &&= ok.logp && ok.loss && ok.grad && ok.trainable;
      if (!ok.trainable)
        process.stderr.write(
          `${size.label}: ${t.trainable} trainable parameters here, ${t.torchTrainable} in PEFT\n`,
        );
      const tick = (b: boolean) => (b ? "✓" : "✗");
      checks.push(
        `| ${size.label} | ${c.logpMaxRel.toExponential(1)} (step's ${c.stepLogpMaxRel.toExponential(1)}) ${tick(ok.logp)} | ` +
          `${c.lossOurs.toFixed(7)} / ${c.lossTorch.toFixed(7)} (Δ ${lossDiff.toExponential(1)}) ${tick(ok.loss)} | ` +
          `${c.gradNormOurs.toPrecision(8)} / ${c.gradNormTorch.toPrecision(8)} (rel. ${gradRel.toExponential(1)}) ${tick(ok.grad)} |`,
      );
      const rssCells =
        rss === null
          ? "(--no-rss) | "
          : `${mib(rss.ours)} / ${mib(rss.torch)} | ${(rss.ours / rss.torch).toFixed(2)}× ${mark(rss.ours / rss.torch)}`;
      rows.push(
        `| ${size.label} (${(t.params / 1e6).toFixed(1)}M${lora ? `, LoRA ${(t.trainable / 1e6).toFixed(2)}M / ${(t.torchTrainable / 1e6).toFixed(2)}M trainable` : ""}) | ${timeCells(t.forward)} | ${timeCells(t.step)} | ${rssCells} | ` +
          `${mib(t.processRssMiB.ours)} / ${mib(t.processRssMiB.torch)} |`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `peer bench: ours (onnxruntime-node, ${availableParallelism()} CPUs) vs PyTorch (${versions}, eager, SDPA` +
      `${passive ? ", OMP_WAIT_POLICY=PASSIVE" : ""}${lora ? `, LoRA r ${LORA.r} α ${LORA.alpha} all-linear (PyTorch: PEFT, adapter off for the forward)` : ""}), ` +
      `ours with recomputation ${recompute === "auto" ? "as apo train decides (on from 1024 tokens per run)" : recompute ? "on" : "off"}; ` +
      `APO-zero β ${BETA} + clipping ${MAX_GRAD_NORM} + RMSprop lr ${LR}, reference = initial policy; ` +
      `fastest of ${rounds} alternating round${rounds > 1 ? "s" : ""}`,
  );
  console.log("");
  console.log(
    `| size | forward log-probs, ours / torch | ratio (≤ 1) | training step, ours / torch | ratio (≤ 1) | ` +
      `peak RSS training, ours / torch | ratio (≤ 1) | peak RSS of the timing processes, ours / torch |`,
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  console.log("");
  console.log(
    `| agreement on the first call | forward log-probs, max rel. diff (≤ ${TOLERANCE.logp}) | ` +
      `step loss, ours / torch (≤ ${TOLERANCE.loss}) | grad norm before clipping, ours / torch (> 0, rel. ≤ ${TOLERANCE.gradNorm}) |`,
  );
  console.log("|---|---|---|---|");
  for (const c of checks) console.log(c);
  if (!agreed) {
    console.log("\nthe two sides disagree: the timings above do not compare the same computation");
    process.exitCode = 1;
  }
}

const child = process.env.PEER_CHILD;
if (child !== undefined) {
  const env = JSON.parse(process.env.PEER_ENV as string) as Env & WholeEnv;
  const result =
    child === "timing"
      ? await timingChild(env)
      : child === "rss"
        ? await oursRssChild(env)
        : await oursWholeChild(env);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  await main();
}
