/**
 * Generation throughput on a ~11M-parameter Llama (6 layers, hidden 384, GQA 6/3 heads, FFN 1152), CPU EP:
 * tokens/s for batch 1 and 8 with the key/value cache vs recomputing the whole prefix at every step, at
 * 8, 32 and 64 new tokens (128 with the cache), and the time to first token (prompt prefill + first sample).
 * Prompts: 16 tokens; greedy; EOS disabled so every row generates exactly N tokens.
 *
 * Run: `pnpm --filter @apo/trainer bench` (or `tsx --conditions=@apo-clair/source bench/generate.ts`).
 * Also the CPU time per generated token (process CPU time, all threads), steadier than wall time on a
 * shared machine.
 * Env: BENCH_BATCHES=1,8  BENCH_TOKENS=8,32,64  BENCH_RUNS (1)  BENCH_THREADS (onnxruntime's intra-op
 * threads; default onnxruntime's own choice).
 */
import { argmax } from "../src/generate/sample-token.js";
import { type DecodeRow, DecoderSession, decodeBatch } from "../src/graph.js";
import { createTinyModel } from "../src/index.js";

const BATCHES = (process.env.BENCH_BATCHES ?? "1,8").split(",").map(Number);
const TOKENS = (process.env.BENCH_TOKENS ?? "8,32,64").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const THREADS = process.env.BENCH_THREADS === undefined ? undefined : Number(process.env.BENCH_THREADS);
const PROMPT = 16;

const model = await createTinyModel({
  family: "llama",
  seed: 1,
  std: 0.05,
  numLayers: 6,
  hiddenSize: 384,
  numHeads: 6,
  numKeyValueHeads: 3,
  intermediateSize: 1152,
  maxPositions: 512,
});
let params = 0;
for (const t of model.weights.values()) params += t.data.length;
const session = await DecoderSession.create(
  model,
  THREADS === undefined ? {} : { sessionOptions: { intraOpNumThreads: THREADS, interOpNumThreads: 1 } },
);

interface Timing {
  /** Wall seconds in all. */
  readonly total: number;
  /** Wall seconds to the first sampled token. */
  readonly first: number;
  /** Process CPU seconds in all. */
  readonly cpu: number;
}

/** One timed decode. */
async function decode(batch: number, tokens: number, cache: boolean): Promise<Timing> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let first = 0;
  const rows: DecodeRow[] = Array.from({ length: batch }, (_, b) => {
    let made = 0;
    return {
      promptIds: Array.from({ length: PROMPT }, (_, t) => 3 + ((b * 31 + t * 7) % 250)),
      next(logits) {
        if (first === 0) first = performance.now() - start;
        made++;
        return { token: argmax(logits), done: made === tokens };
      },
    };
  });
  await decodeBatch(session, rows, { padId: 0, cache });
  const cpu = process.cpuUsage(cpu0);
  return {
    total: (performance.now() - start) / 1000,
    first: first / 1000,
    cpu: (cpu.user + cpu.system) / 1e6,
  };
}

async function best(batch: number, tokens: number, cache: boolean) {
  await decode(batch, Math.min(tokens, 4), cache); // warm-up
  let result: Timing = { total: Number.POSITIVE_INFINITY, first: 0, cpu: 0 };
  for (let r = 0; r < RUNS; r++) {
    const run = await decode(batch, tokens, cache);
    if (run.total < result.total) result = run;
  }
  return result;
}

const threads = THREADS === undefined ? "default" : String(THREADS);
console.log(
  `generate bench: llama ${(params / 1e6).toFixed(1)}M parameters, prompt ${PROMPT} tokens, CPU EP, ${threads} threads`,
);
console.log(
  "batch  new  cache tok/s  recompute tok/s  ratio  cache CPU ms/tok  recompute CPU ms/tok  TTFT ms",
);
for (const batch of BATCHES) {
  for (const tokens of [...TOKENS, 128]) {
    const cached = await best(batch, tokens, true);
    const withCache = (batch * tokens) / cached.total;
    const slow = TOKENS.includes(tokens) ? await best(batch, tokens, false) : null;
    const recompute = slow === null ? null : (batch * tokens) / slow.total;
    const cpuPerToken = (t: Timing) => ((t.cpu * 1000) / (batch * tokens)).toFixed(2);
    const cols = [
      String(batch).padStart(5),
      String(tokens).padStart(4),
      withCache.toFixed(0).padStart(11),
      (recompute === null ? "-" : recompute.toFixed(0)).padStart(16),
      (recompute === null ? "-" : `${(withCache / recompute).toFixed(2)}×`).padStart(6),
      cpuPerToken(cached).padStart(16),
      (slow === null ? "-" : cpuPerToken(slow)).padStart(20),
      (cached.first * 1000).toFixed(1).padStart(8),
    ];
    console.log(cols.join(" "));
  }
}
await session.release();
