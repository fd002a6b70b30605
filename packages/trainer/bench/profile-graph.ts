/**
 * Per-op-type time of the log-prob graph (forward, or forward+backward w.r.t. every weight) from
 * onnxruntime's profiler: where the time goes, to guide work on the gradient rules.
 *
 * Run: `tsx --conditions=@apo-clair/source bench/profile-graph.ts [forward|forward-input|backward]`
 * (`forward-input`: the forward graph with the weights as inputs, as a training step has them).
 * Env: BENCH_FAMILY (llama), BENCH_BATCH (8), BENCH_SEQ (512), THREADS (intra-op threads, 2),
 * TOP_NODES=N (the N slowest nodes other than products), GEMMS=1 (products averaged over layers;
 * GEMMS=others: every other op the same way; GEMMS_TOP=N lines, default 40).
 * Names under `grad/` are the backward's nodes, shown with a ∇. Not part of `pnpm bench`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InferenceSession } from "onnxruntime-node";
import { encodeModel } from "../src/graph.js";
import { createTinyModel } from "../src/index.js";
import { benchDims, logProbBenchGraph } from "./log-prob-bench-graph.js";

const BATCH = Number(process.env.BENCH_BATCH ?? 8);
const SEQ = Number(process.env.BENCH_SEQ ?? 512);
const family = (process.env.BENCH_FAMILY ?? "llama") as "llama" | "gpt2";
const mode = process.argv[2] ?? "backward";

const model = await createTinyModel({ family, seed: 0, std: 0.02, ...benchDims(SEQ) });
const { graph: g, feeds } = logProbBenchGraph(
  model,
  mode as "forward" | "forward-input" | "backward",
  BATCH,
  SEQ,
);
const bytes = encodeModel(g.toModel());
const dir = mkdtempSync(join(tmpdir(), "apo-profile-"));
const session = await InferenceSession.create(bytes, {
  enableProfiling: true,
  profileFilePrefix: join(dir, "ort"),
  intraOpNumThreads: Number(process.env.THREADS ?? 2),
  enableMemPattern: false,
});
await session.run(feeds);
await session.run(feeds);
const t0 = performance.now();
await session.run(feeds);
const wall = performance.now() - t0;
session.endProfiling();
await session.release();
const file = join(dir, readdirSync(dir)[0] ?? "");
type Event = { cat: string; name: string; dur: number; args?: { op_name?: string } };
const events = JSON.parse(readFileSync(file, "utf8")) as Event[];
rmSync(dir, { recursive: true });
// Keep only the last run's node events: split by "model_run" events.
const runs = events.filter((e) => e.name === "model_run");
const lastRunDur = runs.at(-1)?.dur ?? 0;
const byOp = new Map<string, { us: number; n: number }>();
const byNode: { name: string; op: string; us: number }[] = [];
let seen = 0;
let total = 0;
for (const e of events) {
  if (e.name === "model_run") seen++;
  if (seen !== runs.length - 1 || e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
  const op = `${e.name.startsWith("grad/") ? "∇" : ""}${e.args?.op_name ?? "?"}`;
  const entry = byOp.get(op) ?? { us: 0, n: 0 };
  entry.us += e.dur;
  entry.n += 1;
  byOp.set(op, entry);
  byNode.push({ name: e.name.replace(/_kernel_time$/, ""), op, us: e.dur });
  total += e.dur;
}
console.log(
  `${family} ${mode}: wall ${wall.toFixed(0)} ms, model_run ${(lastRunDur / 1000).toFixed(0)} ms, kernels ${(total / 1000).toFixed(0)} ms, nodes ${g.toModel().graph.nodes.length}`,
);
for (const [op, { us, n }] of [...byOp].sort((a, b) => b[1].us - a[1].us).slice(0, 30)) {
  console.log(
    `${op.padEnd(22)} ${(us / 1000).toFixed(1).padStart(8)} ms  ${String(n).padStart(5)} nodes  ${((100 * us) / total).toFixed(1)}%`,
  );
}
if (process.env.TOP_NODES !== undefined) {
  for (const n of byNode
    .filter((x) => !/Gemm|MatMul/.test(x.op))
    .sort((a, b) => b.us - a.us)
    .slice(0, Number(process.env.TOP_NODES))) {
    console.log(`${(n.us / 1000).toFixed(1).padStart(8)} ms  ${n.op.padEnd(14)} ${n.name}`);
  }
}
if (process.env.GEMMS !== undefined) {
  const groups = new Map<string, { us: number; n: number }>();
  for (const n of byNode) {
    if (!/Gemm|MatMul/.test(n.op) === (process.env.GEMMS !== "others")) continue;
    const key = `${n.op} ${n.name.replace(/(^|\/)(layers|h)\.\d+\//, "$1$2.*/")}`;
    const e = groups.get(key) ?? { us: 0, n: 0 };
    e.us += n.us;
    e.n += 1;
    groups.set(key, e);
  }
  for (const [k, e] of [...groups]
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, Number(process.env.GEMMS_TOP ?? 40)))
    console.log(`${(e.us / e.n / 1000).toFixed(1).padStart(7)} ms avg ×${e.n}  ${k}`);
}
