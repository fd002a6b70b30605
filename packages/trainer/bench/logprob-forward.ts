/**
 * Forward log-prob throughput on a ~11M-parameter model (6 layers, hidden 384), batch 8 × 512, CPU EP,
 * against the GFLOP/s that onnxruntime reaches on one MatMul of the model's largest shape in the same run.
 *
 * Run: `pnpm --filter @apo/trainer bench` (or `tsx --conditions=@apo-clair/source bench/logprob-forward.ts`).
 * Env: BENCH_FAMILY=llama|gpt2 (default both), BENCH_BATCH, BENCH_SEQ, BENCH_RUNS.
 */
import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import {
  createTinyModel,
  encodeModel,
  GraphBuilder,
  LogProbSession,
  makeTensor,
  type PretrainedModel,
} from "../src/index.js";

const BATCH = Number(process.env.BENCH_BATCH ?? 8);
const SEQ = Number(process.env.BENCH_SEQ ?? 512);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DIMS = {
  numLayers: 6,
  hiddenSize: 384,
  numHeads: 6,
  numKeyValueHeads: 6,
  intermediateSize: 1536,
  maxPositions: SEQ,
};

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await fn();
    times.push((performance.now() - start) / 1000);
  }
  return median(times);
}

/** Matmul FLOPs of one forward over B×T tokens (full T×T attention scores, as the graph computes them). */
function forwardFlops(model: PretrainedModel): number {
  const c = model.config;
  const tokens = BATCH * SEQ;
  let perToken = 0;
  for (const [name, t] of model.weights) {
    if (t.shape.length === 2 && !name.includes("wpe")) perToken += 2 * t.shape[0]! * t.shape[1]!;
  }
  if (c.family === "llama" && !c.tieWordEmbeddings) perToken -= 2 * c.vocabSize * c.hiddenSize; // embed is a lookup
  const attention = 2 * 2 * SEQ * c.numHeads * c.headDim * c.numLayers;
  return tokens * (perToken + attention);
}

async function matmulBaseline(m: number, k: number, n: number): Promise<number> {
  const g = new GraphBuilder();
  const a = g.input("a", "float32", [m, k]);
  const b = g.initializer("b", makeTensor(new Float32Array(k * n).fill(0.01), [k, n]));
  g.output(g.op("MatMul", [a, b], {}, { outputs: ["c"] }));
  const session = await InferenceSession.create(encodeModel(g.toModel()));
  const feeds = { a: new OrtTensor("float32", new Float32Array(m * k).fill(0.5), [m, k]) };
  const seconds = await time(() => session.run(feeds));
  await session.release();
  return (2 * m * k * n) / seconds / 1e9;
}

const families = (process.env.BENCH_FAMILY ?? "llama,gpt2").split(",") as ("llama" | "gpt2")[];
const baseline = await matmulBaseline(BATCH * SEQ, DIMS.hiddenSize, DIMS.intermediateSize);
console.log(
  `single MatMul [${BATCH * SEQ}×${DIMS.hiddenSize}]·[${DIMS.hiddenSize}×${DIMS.intermediateSize}]: ${baseline.toFixed(1)} GFLOP/s`,
);
for (const family of families) {
  const model = await createTinyModel({ family, seed: 0, std: 0.02, ...DIMS });
  let params = 0;
  for (const t of model.weights.values()) params += t.data.length;
  const session = await LogProbSession.create(model);
  const row = () => {
    const ids = Array.from({ length: SEQ }, (_, i) => 3 + ((i * 7) % 256));
    return { promptIds: ids.slice(0, SEQ / 2), completionIds: ids.slice(SEQ / 2) };
  };
  const rows = Array.from({ length: BATCH }, row);
  const seconds = await time(() => session.run(rows));
  const gflops = forwardFlops(model) / seconds / 1e9;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(
    `${family} (${(params / 1e6).toFixed(1)}M params) forward log-probs ${BATCH}×${SEQ}: ${seconds.toFixed(3)} s, ` +
      `${((BATCH * SEQ) / seconds).toFixed(0)} tokens/s, ${gflops.toFixed(1)} GFLOP/s = ` +
      `${((100 * gflops) / baseline).toFixed(0)}% of the MatMul baseline; peak RSS so far ${rssMiB.toFixed(0)} MiB`,
  );
  await session.release();
}
