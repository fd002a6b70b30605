/**
 * `bench/autodiff-mlp.ts`: what the autodiff graphs cost on onnxruntime-node's CPU EP, measured in one run:
 * 1. a single large MatMul of the shape a 6-layer, hidden-384 model's MLP has at batch 8 × 512 tokens
 *    ([4096, 384] · [384, 1536]): the GFLOP/s ceiling ORT reaches here;
 * 2. a 2-layer MLP (384 → 1536 → 384, tanh) forward with a mean-square loss;
 * 3. the same graph plus its reverse-mode gradient w.r.t. both weights (`buildGradientModel`).
 * Reports GFLOP/s of each and the forward+backward / forward time ratio (theory ≈ 3).
 *
 * Run: `tsx --conditions=@apo-clair/source bench/autodiff-mlp.ts` from packages/trainer.
 */
import * as ort from "onnxruntime-node";
import { buildGradientModel } from "../src/autodiff/gradient.js";
import { GraphBuilder } from "../src/onnx/builder.js";
import { encodeModel } from "../src/onnx/protobuf.js";
import { makeTensor } from "../src/onnx/tensor.js";

const [M, K, N] = [4096, 384, 1536];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

function randomData(n: number, scale: number): Float32Array {
  let s = 42;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296 - 0.5) * scale;
  });
}

async function time(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<number> {
  await session.run(feeds); // warm-up
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN; // median, ms
}

function matmulModel() {
  const g = new GraphBuilder({ name: "matmul" });
  const x = g.input("x", "float32", [M, K]);
  const w = g.initializer("w", makeTensor(randomData(K * N, 0.1), [K, N]));
  // Reduced to a scalar in the graph so the run does not time copying a 25 MB output back to JS.
  g.output(g.op("ReduceSum", [g.op("MatMul", [x, w])], { keepdims: 0 }));
  return g.toModel();
}

function mlpModel() {
  const g = new GraphBuilder({ name: "mlp" });
  const x = g.input("x", "float32", [M, K]);
  const w1 = g.initializer("w1", makeTensor(randomData(K * N, 0.1), [K, N]));
  const w2 = g.initializer("w2", makeTensor(randomData(N * K, 0.1), [N, K]));
  const h = g.op("Tanh", [g.op("MatMul", [x, w1])]);
  const y = g.op("MatMul", [h, w2]);
  const loss = g.op("ReduceMean", [g.op("Mul", [y, y])], { keepdims: 0 });
  g.output(loss);
  return { model: g.toModel(), loss };
}

const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: "all" };
const x = new ort.Tensor("float32", randomData(M * K, 1), [M, K]);
const flops = 2 * M * K * N;

const single = await ort.InferenceSession.create(encodeModel(matmulModel()), options);
const tMatmul = await time(single, { x });
const { model, loss } = mlpModel();
const forward = await ort.InferenceSession.create(encodeModel(model), options);
const tForward = await time(forward, { x });
const { model: train } = buildGradientModel(model, { loss, wrt: ["w1", "w2"] });
const backward = await ort.InferenceSession.create(encodeModel(train), options);
const tTrain = await time(backward, { x });

const gflops = (f: number, ms: number) => f / (ms * 1e6);
const matmulRate = gflops(flops, tMatmul);
const forwardRate = gflops(2 * flops, tForward);
const trainRate = gflops(6 * flops, tTrain); // forward 2 matmuls + backward 4 matmuls
const rows = [
  ["single MatMul [4096,384]·[384,1536]", tMatmul, matmulRate, 1],
  ["MLP forward (2 MatMul)", tForward, forwardRate, forwardRate / matmulRate],
  ["MLP forward+backward (6 MatMul)", tTrain, trainRate, trainRate / matmulRate],
] as const;
console.log(`onnxruntime-node ${ort.env.versions.common}, CPU EP, median of ${ROUNDS} runs`);
for (const [name, ms, rate, frac] of rows) {
  console.log(
    `${name.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms ${rate.toFixed(1).padStart(7)} GFLOP/s ${(100 * frac).toFixed(0).padStart(4)} % of MatMul`,
  );
}
console.log(`forward+backward / forward time: ${(tTrain / tForward).toFixed(2)}× (theory ≈ 3×)`);
console.log(`gradient graph: ${train.graph.nodes.length} nodes (forward ${model.graph.nodes.length})`);
