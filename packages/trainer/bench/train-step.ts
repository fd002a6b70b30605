/**
 * `pnpm bench` (trainer): one full training step (chosen + rejected, forward, loss, backward, clipping,
 * RMSProp) as a multiple of one forward log-prob pass over the same sequences (target ≤ 3.5×); tokens/s;
 * K = 8 fused steps (one ONNX Loop) vs 8 single steps; bytes crossing the session boundary per step; peak RSS.
 *
 *   tsx --conditions=@apo-clair/source bench/train-step.ts           # the target's 8 pairs × 512 tokens (~7 min on 2 cores)
 *   tsx --conditions=@apo-clair/source bench/train-step.ts --quick   # 8 pairs × 128 tokens, no target (~3 min)
 *
 * At 128 tokens the step is relatively slower (about 3.7× the forward): the per-step costs that do not grow
 * with the sequence weigh four times more (the optimizer over every weight; the weights and optimizer state
 * crossing the session boundary, 159 MB per step).
 */
import {
  createTinyModel,
  LogProbSession,
  type PackedBatch,
  packSequences,
  TrainStepSession,
} from "../src/index.js";
import { FusedTrainSession } from "../src/train-step/fused-train-session.js";
import { interleavedTimes, pairedMedianRatio } from "./interleaved.js";

const quick = process.argv.includes("--quick");
const SEQ = quick ? 128 : 512;
const PAIRS = 8;
const K = 8;
/** Alternating rounds of the forward pass and the training step (each keeps its fastest). */
const ROUNDS = Number(process.env.BENCH_RUNS ?? 6);

const model = await createTinyModel({
  family: "llama",
  seed: 0,
  hiddenSize: 384,
  numLayers: 6,
  numHeads: 6,
  intermediateSize: 1024,
  maxPositions: SEQ,
});
let params = 0;
for (const t of model.weights.values()) params += t.data.length;

function batch(offset: number): PackedBatch {
  const rows = Array.from({ length: 2 * PAIRS }, (_, r) => ({
    promptIds: Array.from({ length: SEQ / 4 }, (_, i) => 3 + ((i * 7 + r + offset) % 250)),
    completionIds: Array.from({ length: (3 * SEQ) / 4 }, (_, i) => 3 + ((i * 13 + r * 3 + offset) % 250)),
  }));
  return packSequences(rows, { padId: 0, maxLength: SEQ, vocabSize: model.config.vocabSize });
}

async function time(f: () => Promise<unknown>, repeat: number, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await f();
  const start = performance.now();
  for (let i = 0; i < repeat; i++) await f();
  return (performance.now() - start) / repeat;
}

const b0 = batch(0);
const tokens = 2 * PAIRS * SEQ;
console.log(
  `trainer bench: Llama ${(params / 1e6).toFixed(1)}M parameters, ${PAIRS} pairs × ${SEQ} tokens, CPU EP`,
);

// The forward pass and the training step alternate, and each keeps its fastest run, so that a machine
// whose speed drifts between runs does not skew their ratio; the median of each round's own ratio is
// printed beside it.
const forward = await LogProbSession.create(model);
// The reference is the policy itself, as at the start of a real run (margin 0, where APO-zero's gradients
// are largest): a far-off constant reference saturates the loss and times a step with zero gradients.
const referenceOf = async (b: PackedBatch) => (await forward.runPacked(b)).map((r) => r.logp);
const reference = await referenceOf(b0);
const single = await TrainStepSession.create(model, { loss: "apo_zero", optimizer: "rmsprop" });
const [forwardRuns = [], stepRuns = []] = await interleavedTimes(
  [() => forward.runPacked(b0), () => single.step(b0, reference, 1e-6)],
  ROUNDS,
);
const forwardMs = Math.min(...forwardRuns);
const stepMs = Math.min(...stepRuns);
const medianRatio = pairedMedianRatio(stepRuns, forwardRuns);
const batches: { batch: PackedBatch; referenceLogp: number[] }[] = [];
for (let k = 0; k < K; k++) batches.push({ batch: batch(k), referenceLogp: await referenceOf(batch(k)) });
await forward.release();
const singleK = await time(async () => {
  for (const m of batches) await single.step(m.batch, m.referenceLogp, 1e-6);
}, 1);
await single.release();
const fused = await FusedTrainSession.create(model, { loss: "apo_zero", optimizer: "rmsprop" });
const fusedK = await time(() => fused.run(batches, new Array(K).fill(1e-6)), 1);
await fused.release();

// Per single step: weights and RMSProp state go in and come out (float32), plus the batch.
const stateBytes = params * 4 * 2;
const batchBytes = 3 * tokens * 8 + 2 * PAIRS * 4;
const perStep = 2 * stateBytes + batchBytes;
const perFusedStep = (2 * stateBytes) / K + batchBytes;
const rssMb = process.resourceUsage().maxRSS / 1024;

console.log("| measure | value | target |");
console.log("|---|---|---|");
console.log(
  `| forward log-prob pass (${2 * PAIRS} sequences), fastest of ${ROUNDS} | ${forwardMs.toFixed(0)} ms | |`,
);
console.log(
  `| training step, fastest of ${ROUNDS} (alternating with the forward) | ${stepMs.toFixed(0)} ms | |`,
);
console.log(
  `| step / forward | ${(stepMs / forwardMs).toFixed(2)}× (rounds' median ${medianRatio.toFixed(2)}×) | ${quick ? "(≤ 3.5× at 512 tokens)" : `≤ 3.5× ${stepMs / forwardMs <= 3.5 ? "✓" : "✗"}`} |`,
);
console.log(`| training tokens/s | ${((tokens / stepMs) * 1000).toFixed(0)} | |`);
console.log(
  `| ${K} single steps vs ${K} fused (one Loop) | ${singleK.toFixed(0)} ms vs ${fusedK.toFixed(0)} ms (${(singleK / fusedK).toFixed(2)}×) | report |`,
);
console.log(
  `| bytes across the session boundary per step | single ${(perStep / 1e6).toFixed(1)} MB, fused ${(perFusedStep / 1e6).toFixed(1)} MB | report |`,
);
console.log(`| peak RSS | ${rssMb.toFixed(0)} MB | report |`);
