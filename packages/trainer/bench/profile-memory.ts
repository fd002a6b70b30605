/**
 * Where a training step's peak memory goes: runs one step of Llama 9.9M (P pairs × T tokens) with
 * onnxruntime's profiler and its optimised graph written out, then replays the kernels in their executed
 * order with each output alive from its node until its last reader ran (what onnxruntime's planner frees),
 * and prints the peak of that simulated live set and the largest values alive at it.
 *
 * Run: `tsx --conditions=@apo-clair/source bench/profile-memory.ts [--pairs 8] [--seq 512] [--layers 6]`
 * (`--135m`: the SmolLM-135M shape, 30 layers unless `--layers`; `--values`: the largest live values
 * with their last readers, `TOP=N` of them; `WHERE=a,b`: the executed position of nodes a and b)
 * Not part of `pnpm bench`; the figure ignores the arena's own overhead and the weights fed from JS.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeModel } from "../src/graph.js";
import { createTinyModel, packSequences, TrainStepSession } from "../src/index.js";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const pairs = option("--pairs", 8);
const seq = option("--seq", 512);
const layers = option("--layers", 6);
const dir = await mkdtemp(join(tmpdir(), "apo-memprof-"));
try {
  const model = await createTinyModel({
    family: "llama",
    seed: 0,
    maxPositions: seq,
    out: join(dir, "model"),
    ...(process.argv.includes("--135m")
      ? {
          hiddenSize: 576,
          numLayers: option("--layers", 30),
          numHeads: 9,
          numKeyValueHeads: 3,
          intermediateSize: 1536,
          tieWordEmbeddings: true,
          configOverrides: { vocab_size: 49152 },
        }
      : { hiddenSize: 384, numLayers: layers, numHeads: 6, intermediateSize: 1024 }),
  });
  const ids = (n: number, k: number) => Array.from({ length: n }, (_, i) => 3 + ((i * 31 + k * 7) % 250));
  // (ids below 253 whatever the vocabulary)
  const rows = Array.from({ length: 2 * pairs }, (_, r) => ({
    promptIds: ids(seq / 4, r % pairs),
    completionIds: ids((3 * seq) / 4, r),
  }));
  const batch = packSequences(rows, { padId: 0, maxLength: seq, vocabSize: model.config.vocabSize });
  const optimized = join(dir, "optimized.onnx");
  const trainer = await TrainStepSession.create(model, {
    loss: "apo_zero",
    optimizer: "rmsprop",
    expectedSequenceLength: seq,
    sessionOptions: {
      enableProfiling: true,
      profileFilePrefix: join(dir, "ort"),
      optimizedModelFilePath: optimized,
    },
  });
  await trainer.step(batch, new Float64Array(batch.batch), 0);
  await trainer.release();
  const graph = decodeModel(new Uint8Array(await readFile(optimized))).graph;
  const profile = (await readdir(dir)).find((f) => f.startsWith("ort"));
  type Event = { cat: string; name: string; args?: { output_size?: string; op_name?: string } };
  const events = JSON.parse(await readFile(join(dir, profile ?? ""), "utf8")) as Event[];
  const order = events
    .filter((e) => e.cat === "Node" && e.name.endsWith("_kernel_time"))
    .map((e) => ({ name: e.name.replace(/_kernel_time$/, ""), bytes: Number(e.args?.output_size ?? 0) }));
  if (process.env.WHERE !== undefined)
    for (const w of process.env.WHERE.split(","))
      console.log(`position of ${w}: ${order.findIndex((o) => o.name === w)}`);
  const byName = new Map(graph.nodes.map((n) => [n.name, n] as const));
  const position = new Map(order.map((o, i) => [o.name, i] as const));
  const lastRead = new Map<string, number>();
  const lastReader = new Map<string, string>();
  for (const n of graph.nodes) {
    const at = position.get(n.name);
    if (at === undefined) continue;
    for (const i of n.inputs) {
      if (at <= (lastRead.get(i) ?? -1)) continue;
      lastRead.set(i, at);
      lastReader.set(i, `${n.name} (${n.opType})`);
    }
  }
  const outputs = new Set(graph.outputs.map((o) => o.name));
  // Each node's outputs share its reported output size equally (most nodes have one output).
  const live = new Map<string, { bytes: number; from: string }>();
  let current = 0;
  let peak = 0;
  let peakAt = "";
  let peakSet: [string, { bytes: number; from: string }][] = [];
  const frees = new Map<number, string[]>();
  for (const [value, at] of lastRead) {
    const list = frees.get(at) ?? [];
    list.push(value);
    frees.set(at, list);
  }
  order.forEach((o, i) => {
    const node = byName.get(o.name);
    const outs = node?.outputs.filter((x) => x !== "") ?? [];
    for (const x of outs) {
      const bytes = o.bytes / Math.max(outs.length, 1);
      live.set(x, { bytes, from: o.name });
      current += bytes;
    }
    if (current > peak) {
      peak = current;
      peakAt = `${i}/${order.length} ${o.name}`;
      peakSet = [...live];
    }
    for (const x of [...(frees.get(i) ?? []), ...outs.filter((x) => !lastRead.has(x))]) {
      const entry = live.get(x);
      if (entry === undefined || outputs.has(x)) continue;
      live.delete(x);
      current -= entry.bytes;
    }
  });
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log(
    `${pairs} pairs × ${seq}, ${layers} layers: ${order.length} kernels, simulated peak ${mib(peak)} at ${peakAt}`,
  );
  const groups = new Map<string, number>();
  for (const [, v] of peakSet) {
    const key = v.from.replace(/\d+/g, "#");
    groups.set(key, (groups.get(key) ?? 0) + v.bytes);
  }
  for (const [k, b] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`${mib(b).padStart(12)}  ${k}`);
  if (process.argv.includes("--values")) {
    for (const [x, v] of peakSet
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, Number(process.env.TOP ?? 40)))
      console.log(
        `${mib(v.bytes).padStart(12)}  ${v.from} (${byName.get(v.from)?.opType}) → ${x}, last read by ${lastReader.get(x)}`,
      );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
