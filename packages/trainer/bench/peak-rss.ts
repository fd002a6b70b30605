/**
 * Peak RSS and step time of one training-step session, alone in its process (issue 18's memory work):
 * Llama 9.9M (or the SmolLM-135M shape with `--135m`), P pairs × T tokens, reference = policy, a step at
 * lr 0 then two (`--steps N`: N) at lr 10⁻⁶. Prints the peak RSS after each stage, then
 * { maxRssMiB, stepMs, cpuMs, gradNorm }.
 *
 * Run: `tsx --conditions=@apo-clair/source bench/peak-rss.ts [--pairs 8] [--seq 512] [--expect T] [--135m]`
 * - `--expect T`: the sequence length the graph is told to expect (it picks the dense layers' form);
 * - `--in-graph-update`: the optimizer update inside the training graph (`separateUpdate: false`; the
 *   default for full fine-tuning is the separate update, in place);
 * - session variants: `--no-arena` (onnxruntime's CPU arena off: plain malloc), `--pattern` (memory
 *   pattern on), `--pattern-no-arena`, `--static` (free dimensions fixed to this batch's, so onnxruntime
 *   can fold shapes). With `--no-arena`, `MALLOC_MMAP_THRESHOLD_=131072` in the environment makes glibc map
 *   every large block, and the peak RSS is then onnxruntime's live set (no arena or heap fragmentation).
 * Not part of `pnpm bench`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel, loadPretrainedModel, TrainStepSession } from "../src/index.js";
import { LLAMA_9_9M, randomPairBatch, SMOLLM_135M } from "./bench-shapes.js";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const pairs = option("--pairs", 8);
const seq = option("--seq", 512);
const expect = option("--expect", seq);
const big = process.argv.includes("--135m");
const dir = await mkdtemp(join(tmpdir(), "apo-rss-"));
try {
  await createTinyModel({
    family: "llama",
    seed: 0,
    maxPositions: seq,
    out: dir,
    ...(big ? SMOLLM_135M : LLAMA_9_9M),
  });
  const model = await loadPretrainedModel(dir);
  const vocab = model.config.vocabSize;
  const batch = randomPairBatch(vocab, pairs, seq);
  const trainer = await TrainStepSession.create(model, {
    loss: "apo_zero",
    lossParams: { beta: 0.1 },
    optimizer: "rmsprop",
    maxGradNorm: 1,
    expectedSequenceLength: expect,
    adoptWeights: true,
    ...(process.argv.includes("--recompute") ? { recompute: true } : {}),
    ...(process.argv.includes("--in-graph-update") ? { separateUpdate: false } : {}),
    ...(process.argv.includes("--no-arena") ? { sessionOptions: { enableCpuMemArena: false } } : {}),
    ...(process.argv.includes("--pattern") ? { sessionOptions: { enableMemPattern: true } } : {}),
    ...(process.argv.includes("--pattern-no-arena")
      ? { sessionOptions: { enableMemPattern: true, enableCpuMemArena: false } }
      : {}),
    ...(process.argv.includes("--no-spin")
      ? { sessionOptions: { extra: { session: { "intra_op.allow_spinning": "0" } } } }
      : {}),
    ...(process.argv.includes("--static")
      ? { sessionOptions: { freeDimensionOverrides: { batch: 2 * pairs, seq, pairs2: 2 * pairs } } }
      : {}),
  });
  const stages: Record<string, number> = {};
  const mark = (name: string) => {
    stages[name] = Math.round(process.resourceUsage().maxRSS / 1024);
    stages[`${name} rss`] = Math.round(process.memoryUsage().rss / 2 ** 20);
  };
  mark("session");
  const reference = (await trainer.step(batch, new Float64Array(batch.batch), 0)).policyLogp;
  mark("first step");
  const stepMs: number[] = [];
  const cpuMs: number[] = [];
  let gradNorm = 0;
  for (let i = 0; i < option("--steps", 2); i++) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    const r = await trainer.step(batch, reference, 1e-6);
    stepMs.push(Math.round(performance.now() - t));
    const used = process.cpuUsage(cpu);
    cpuMs.push(Math.round((used.user + used.system) / 1000));
    if (i === 0) gradNorm = r.gradNorm;
    mark(`step ${i + 2}`);
  }
  await trainer.release();
  console.log(JSON.stringify(stages));
  console.log(
    JSON.stringify({ maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), stepMs, cpuMs, gradNorm }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
