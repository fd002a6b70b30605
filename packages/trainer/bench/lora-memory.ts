/**
 * Peak RSS, step time and bytes crossing the session boundary per step of one training-step session, LoRA
 * or full fine-tuning, alone in its process (issue 23): a SmolLM-135M-shaped Llama (576 wide, 30 layers, 9/3
 * heads, vocab 49152, tied), P pairs × T tokens, RMSProp, reference = policy.
 *
 * Run: `tsx --conditions=@apo-clair/source bench/lora-memory.ts --lora|--full [--pairs 2] [--seq 512] [--r 16]
 * [--no-arena] [--prepack] [--recompute] [--stages]`
 * (the LoRA run wraps all linear layers). Prints one JSON line:
 * { mode, maxRssMiB, stepMs[], trainable, boundaryBytesPerStep }.
 *
 * Bytes per step: what one `run()` copies in and out besides the token ids — the trainable tensors and their
 * optimizer state in, their updated values and state out (onnxruntime-node copies every input and output
 * between host and device on a GPU provider).
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initLoraWeights } from "../src/lora/init-lora-weights.js";
import { createTinyModel } from "../src/models/create-tiny-model.js";
import { loadPretrainedModel } from "../src/models/pretrained-model.js";
import { TrainStepSession } from "../src/train-step/train-step-session.js";
import { randomPairBatch, SMOLLM_135M } from "./bench-shapes.js";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const lora = process.argv.includes("--lora");
const pairs = option("--pairs", 2);
const seq = option("--seq", 512);
const r = option("--r", 16);
// --no-arena: onnxruntime's CPU arena off (it grows by powers of two and keeps what it grew).
const arena = !process.argv.includes("--no-arena");
// --prepack: onnxruntime keeps pre-packed copies of the frozen weights (LoRA sessions turn it off).
const prepack = process.argv.includes("--prepack");
// --create DIR: write the model and exit (run as a child, so its random weights never count here).
const create = process.argv.indexOf("--create");
if (create >= 0) {
  await createTinyModel({
    family: "llama",
    seed: 0,
    maxPositions: seq,
    ...SMOLLM_135M,
    out: process.argv[create + 1] as string,
  });
  process.exit(0);
}
const dir = await mkdtemp(join(tmpdir(), "apo-lora-rss-"));
try {
  execFileSync(process.execPath, [
    ...process.execArgv,
    process.argv[1] as string,
    "--create",
    dir,
    "--seq",
    `${seq}`,
  ]);
  const stages: Record<string, number> = {};
  // `--stages`: RSS now / peak after each stage, on stderr.
  const mark = (name: string) => {
    stages[name] = Math.round(process.memoryUsage().rss / 2 ** 20);
    stages[`${name} (peak)`] = Math.round(process.resourceUsage().maxRSS / 1024);
  };
  const model = await loadPretrainedModel(dir);
  mark("loaded");
  const vocab = model.config.vocabSize;
  const batch = randomPairBatch(vocab, pairs, seq);
  const config = { r, alpha: 2 * r, targets: ["all-linear"] };
  const trainer = await TrainStepSession.create(model, {
    loss: "apo_zero",
    lossParams: { beta: 0.1 },
    optimizer: "rmsprop",
    maxGradNorm: 1,
    expectedSequenceLength: seq,
    adoptWeights: true,
    ...(process.argv.includes("--recompute") ? { recompute: true } : {}),
    sessionOptions: {
      ...(arena ? {} : { enableCpuMemArena: false }),
      ...(prepack ? { extra: { session: { disable_prepacking: "0" } } } : {}),
    },
    ...(lora ? { lora: config, adapters: initLoraWeights(model, config, 0) } : {}),
  });
  // `--gc` (with NODE_OPTIONS=--expose-gc): collect the encoded graph's bytes before the first step.
  if (process.argv.includes("--gc")) (globalThis as { gc?: () => void }).gc?.();
  mark("session");
  const reference = (await trainer.step(batch, new Float64Array(batch.batch), 0)).policyLogp;
  mark("reference");
  const stepMs: number[] = [];
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    await trainer.step(batch, reference, 1e-4);
    stepMs.push(Math.round(performance.now() - t));
    mark(`step ${i + 1}`);
  }
  if (process.argv.includes("--stages")) process.stderr.write(`${JSON.stringify(stages)}\n`);
  let trainable = 0;
  for (const w of trainer.weights.values()) trainable += w.length;
  const stateBytes = [...trainer.state.values()].reduce((n, s) => n + s.byteLength, 0);
  const weightBytes = trainable * 4;
  await trainer.release();
  console.log(
    JSON.stringify({
      mode: `${lora ? `lora r${r} all-linear` : "full"}${arena ? "" : ", no arena"}${prepack ? ", pre-packing" : ""}, ${pairs}×${seq}`,
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      stepMs,
      trainable,
      // In: weights + state; out: updated weights + updated state.
      boundaryBytesPerStep: 2 * (weightBytes + stateBytes),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
