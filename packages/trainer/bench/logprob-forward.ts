/**
 * Log-prob graph performance on a ~11–14M-parameter model (6 layers, hidden 384), batch 8 × 512, CPU EP:
 * forward throughput (tokens/s) and GFLOP/s as a fraction of what onnxruntime reaches on one MatMul of
 * the model's largest shape in the same run; the forward+backward graph (gradient of Σ log-probs w.r.t.
 * every weight) as a multiple of the forward time, with the weights as graph inputs (as training has them)
 * and as initializers (as the forward graph has them); peak RSS of each, each measured in its own process.
 *
 * Run: `pnpm --filter @apo/trainer bench` (or `tsx --conditions=@apo-clair/source bench/logprob-forward.ts`).
 * The ratio comes from one process that alternates the two graphs (fastest of BENCH_RUNS each), so a
 * machine whose speed drifts between runs does not skew it; beside it, the median over the rounds of each
 * round's own ratio (neighbouring runs). Each peak RSS from a process holding one graph.
 * Env: BENCH_FAMILY=llama,gpt2 (default both), BENCH_BATCH (8), BENCH_SEQ (512), BENCH_RUNS (12),
 * BENCH_BACKWARD=0 to skip forward+backward.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { encodeModel, GraphBuilder, makeTensor, TRAINING_SESSION_DEFAULTS } from "../src/graph.js";
import { createTinyModel, type PretrainedModel } from "../src/index.js";
import { interleavedTimes, pairedMedianRatio } from "./interleaved.js";
import { benchDims, logProbBenchGraph } from "./log-prob-bench-graph.js";

const BATCH = Number(process.env.BENCH_BATCH ?? 8);
const SEQ = Number(process.env.BENCH_SEQ ?? 512);
const RUNS = Number(process.env.BENCH_RUNS ?? 12);
const DIMS = benchDims(SEQ);

type Family = "llama" | "gpt2";
type Mode = "forward" | "backward" | "backward-initializers";

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
  let perToken = 0;
  for (const [name, t] of model.weights) {
    if (t.shape.length === 2 && !name.includes("wpe")) perToken += 2 * t.shape[0]! * t.shape[1]!;
  }
  if (c.family === "llama" && !c.tieWordEmbeddings) perToken -= 2 * c.vocabSize * c.hiddenSize; // a lookup
  const attention = 2 * 2 * SEQ * c.numHeads * c.headDim * c.numLayers;
  return BATCH * SEQ * (perToken + attention);
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

/** A session over the log-prob graph (forward), or forward+backward w.r.t. every weight. */
async function open(
  model: PretrainedModel,
  mode: Mode,
): Promise<{ run: () => Promise<unknown>; release: () => Promise<void> }> {
  const { graph, feeds } = logProbBenchGraph(model, mode, BATCH, SEQ);
  // The backward graph opens as a training step does (no per-run memory pattern: see TRAINING_SESSION_DEFAULTS).
  const session = await InferenceSession.create(
    encodeModel(graph.toModel()),
    mode === "forward" ? {} : TRAINING_SESSION_DEFAULTS,
  );
  return { run: () => session.run(feeds), release: () => session.release() };
}

interface Measured {
  readonly params: number;
  /** Peak RSS of the process (a `forward` or `backward` child holds only that graph). */
  readonly rssMiB: number;
  /** Seconds per run: the median for a single graph, the interleaved minimum for `both`. */
  readonly seconds: readonly number[];
  /** For `both`: per graph after the first, the median over rounds of its time / the forward's that round. */
  readonly roundRatios?: readonly number[];
}

/** One measurement in this process: one graph's time and peak RSS, or both graphs' times interleaved. */
async function measure(family: Family, mode: Mode | "both"): Promise<Measured> {
  const model = await createTinyModel({ family, seed: 0, std: 0.02, ...DIMS });
  let params = 0;
  for (const t of model.weights.values()) params += t.data.length;
  const modes: Mode[] = mode === "both" ? ["forward", "backward", "backward-initializers"] : [mode];
  const sessions = [];
  for (const m of modes) sessions.push(await open(model, m));
  const rssMiB = () => process.resourceUsage().maxRSS / 1024;
  if (mode !== "both") {
    const seconds = [await time(sessions[0]!.run)];
    for (const s of sessions) await s.release();
    return { seconds, rssMiB: rssMiB(), params };
  }
  const [forward = [], ...others] = await interleavedTimes(
    sessions.map((s) => s.run),
    RUNS,
  );
  for (const s of sessions) await s.release();
  return {
    seconds: [forward, ...others].map((t) => Math.min(...t) / 1000),
    roundRatios: others.map((t) => pairedMedianRatio(t, forward)),
    rssMiB: rssMiB(),
    params,
  };
}

const child = process.env.BENCH_CHILD;
if (child !== undefined) {
  const [family, mode] = child.split(":") as [Family, Mode | "both"];
  process.stdout.write(`${JSON.stringify(await measure(family, mode))}\n`);
} else {
  const self = fileURLToPath(import.meta.url);
  const run = (family: Family, mode: Mode | "both") =>
    JSON.parse(
      execFileSync(process.execPath, [...process.execArgv, self], {
        env: { ...process.env, BENCH_CHILD: `${family}:${mode}` },
        encoding: "utf8",
        maxBuffer: 1 << 20,
      })
        .trim()
        .split("\n")
        .at(-1)!,
    ) as Measured;
  const baseline = await matmulBaseline(BATCH * SEQ, DIMS.hiddenSize, DIMS.intermediateSize);
  console.log(
    `single MatMul [${BATCH * SEQ}×${DIMS.hiddenSize}]·[${DIMS.hiddenSize}×${DIMS.intermediateSize}]: ${baseline.toFixed(1)} GFLOP/s`,
  );
  for (const family of (process.env.BENCH_FAMILY ?? "llama,gpt2").split(",") as Family[]) {
    const fwd = run(family, "forward");
    const seconds = fwd.seconds[0]!;
    const model = await createTinyModel({ family, seed: 0, ...DIMS });
    const gflops = forwardFlops(model) / seconds / 1e9;
    console.log(
      `${family} (${(fwd.params / 1e6).toFixed(1)}M params) forward log-probs ${BATCH}×${SEQ}: ` +
        `${seconds.toFixed(3)} s, ${((BATCH * SEQ) / seconds).toFixed(0)} tokens/s, ` +
        `${gflops.toFixed(1)} GFLOP/s = ${((100 * gflops) / baseline).toFixed(0)}% of the MatMul baseline; ` +
        `peak RSS ${fwd.rssMiB.toFixed(0)} MiB`,
    );
    if (process.env.BENCH_BACKWARD !== "0") {
      const bwd = run(family, "backward");
      const both = run(family, "both");
      const [f, b, bi] = both.seconds as [number, number, number];
      const [rb, rbi] = both.roundRatios as [number, number];
      console.log(
        `${family} forward+backward (all weights, as inputs): ${b.toFixed(3)} s vs forward ${f.toFixed(3)} s, ` +
          `fastest of ${RUNS} interleaved runs each = ${(b / f).toFixed(2)}× the forward (target ≤ 3×; ` +
          `median of the ${RUNS} rounds' own ratios ${rb.toFixed(2)}×); peak RSS ${bwd.rssMiB.toFixed(0)} MiB`,
      );
      console.log(
        `${family} forward+backward with the weights as initializers, like the forward graph's: ` +
          `${bi.toFixed(3)} s = ${(bi / f).toFixed(2)}× the forward (rounds' median ${rbi.toFixed(2)}×)`,
      );
    }
  }
}
