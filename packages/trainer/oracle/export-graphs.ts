/**
 * Writes our graphs for `ort_cuda_check.py`, which runs them with onnxruntime's CUDA execution provider
 * (Python; onnxruntime-node's CUDA build is not carried to that machine):
 *
 * - exactness graphs on tiny models (the log-prob graph, the forward+backward graph with every weight as
 *   an input, and a whole APO-zero + AdamW training step), each with its feeds and the outputs the CPU EP
 *   gives here: `<name>.onnx`, `<name>.json` (tensor index), `<name>.in.bin`, `<name>.cpu.bin`;
 * - timing graphs at the bench's size (6 layers, hidden 384, 8 × 512): the forward with weights as inputs,
 *   the forward with weights as initializers (the bench's forward; its weights in an external-data file
 *   that is not written: the script writes one of random values at the recorded offsets), and the
 *   forward+backward, with the token feeds; the weights are drawn on that machine.
 *
 * ```text
 * npx tsx --conditions=@apo-clair/source oracle/export-graphs.ts OUT_DIR
 * ```
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { benchDims } from "../bench/log-prob-bench-graph.js";
import { addGradients } from "../src/autodiff/gradient.js";
import { buildLogProbModel, emitCompletionLogProbs } from "../src/logprobs/build-log-prob-graph.js";
import { packSequences } from "../src/logprobs/pack-sequences.js";
import { packedFeeds } from "../src/logprobs/packed-feeds.js";
import { createTinyModel } from "../src/models/create-tiny-model.js";
import type { PretrainedModel } from "../src/models/pretrained-model.js";
import { weightFeeds } from "../src/models/weight-feeds.js";
import { GraphBuilder } from "../src/onnx/builder.js";
import { encodeModel } from "../src/onnx/protobuf.js";
import type { Model } from "../src/onnx/types.js";
import { buildTrainStep } from "../src/train-step/train-step-graph.js";
import { ORACLE_CASES, oracleModel, oracleRows } from "./cases.js";

type Feeds = Record<string, OrtTensor>;
interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  offset: number;
  bytes: number;
}

/** Tensors as one binary blob plus an index. */
function pack(tensors: Feeds): { index: Entry[]; blob: Buffer } {
  const index: Entry[] = [];
  const parts: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const data = t.data as Float32Array | Float64Array | BigInt64Array;
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    index.push({ name, dtype: t.type, shape: [...t.dims], offset, bytes: bytes.length });
    parts.push(bytes);
    offset += bytes.length;
  }
  return { index, blob: Buffer.concat(parts) };
}

async function writeChecked(out: string, name: string, model: Model, feeds: Feeds): Promise<void> {
  const bytes = encodeModel(model);
  const session = await InferenceSession.create(bytes);
  const outputs = await session.run(feeds);
  await session.release();
  const inputs = pack(feeds);
  const results = pack(outputs as Feeds);
  await writeFile(join(out, `${name}.onnx`), bytes);
  await writeFile(join(out, `${name}.in.bin`), inputs.blob);
  await writeFile(join(out, `${name}.cpu.bin`), results.blob);
  await writeFile(
    join(out, `${name}.json`),
    JSON.stringify({ inputs: inputs.index, outputs: results.index }),
  );
  process.stderr.write(`${name}: ${model.graph.nodes.length} nodes, ${results.index.length} outputs\n`);
}

function tokenFeeds(model: PretrainedModel, rows: ReturnType<typeof oracleRows>): Feeds {
  const packed = packSequences(rows, {
    padId: 0,
    maxLength: model.config.maxPositions,
    vocabSize: model.config.vocabSize,
  });
  return packedFeeds(packed);
}

/** Σ log-probs and its gradient with respect to every weight, the weights graph inputs. */
function forwardBackward(model: PretrainedModel): Model {
  const g = new GraphBuilder();
  const { logp } = emitCompletionLogProbs(g, model, { trainable: "all" });
  const loss = g.op("ReduceSum", [logp, g.int64s([0])], { keepdims: 0 }, { outputs: ["loss"] });
  g.output(logp);
  g.output(loss);
  for (const grad of addGradients(g, { loss, wrt: [...model.weights.keys()] }).values()) g.output(grad);
  return g.toModel();
}

const out = process.argv[2];
if (out === undefined) throw new Error("usage: export-graphs.ts OUT_DIR");
await mkdir(join(out, "exact"), { recursive: true });
await mkdir(join(out, "timing"), { recursive: true });
for (const caseName of ["llama-gqa", "gpt2", "qwen2"]) {
  const c = ORACLE_CASES.find((x) => x.name === caseName)!;
  const model = await oracleModel(c);
  const rows = oracleRows(c, model.config.vocabSize);
  const tokens = tokenFeeds(model, rows);
  await writeChecked(join(out, "exact"), `${caseName}.logprobs`, buildLogProbModel(model), tokens);
  await writeChecked(join(out, "exact"), `${caseName}.forward-backward`, forwardBackward(model), {
    ...tokens,
    ...weightFeeds(model),
  });
  // A training step needs chosen and rejected rows: the rows twice over (even count), reference a bit off.
  const pairRows = [...rows.slice(0, 2), ...rows.slice(0, 2).reverse()];
  const artifact = buildTrainStep(model, { loss: "apo_zero", optimizer: "adamw" });
  const feeds: Feeds = { ...tokenFeeds(model, pairRows), ...weightFeeds(model) };
  for (const input of artifact.model.graph.inputs) {
    if (feeds[input.name] !== undefined) continue;
    const shape = (input.shape ?? []).map((d) => (typeof d === "number" ? d : pairRows.length));
    const n = shape.reduce((a, b) => a * b, 1);
    const value =
      input.name === "lr" ? 1e-3 : input.name === "step" ? 1 : input.name === "reference_logp" ? -50 : 0;
    feeds[input.name] = new OrtTensor("float32", new Float32Array(n).fill(value), shape);
  }
  await writeChecked(join(out, "exact"), `${caseName}.train-step`, artifact.model, feeds);
}
for (const family of ["llama", "gpt2"] as const) {
  const model = await createTinyModel({ family, seed: 0, std: 0.02, ...benchDims(512) });
  const ids = Array.from({ length: 512 }, (_, i) => 3 + ((i * 7) % 256));
  const rows = Array.from({ length: 8 }, () => ({
    promptIds: ids.slice(0, 256),
    completionIds: ids.slice(256),
  }));
  const tokens = pack(tokenFeeds(model, rows));
  const g = new GraphBuilder();
  const { logp } = emitCompletionLogProbs(g, model, { trainable: "all" });
  g.output(logp);
  const weights = [...model.weights].map(([name, t]) => ({ name, shape: [...t.shape] }));
  for (const [mode, model_] of [
    ["forward", g.toModel()],
    ["forward-backward", forwardBackward(model)],
  ] as const) {
    await writeFile(join(out, "timing", `${family}.${mode}.onnx`), encodeModel(model_));
  }
  const location = `${family}.forward-initializers.onnx.data`;
  const external: { name: string; offset: number; length: number }[] = [];
  let offset = 0;
  const initializers = encodeModel(buildLogProbModel(model), {
    externalize: (name, data) => {
      if (data.byteLength < 65536) return undefined;
      offset += (64 - (offset % 64)) % 64;
      external.push({ name, offset, length: data.byteLength });
      offset += data.byteLength;
      return { location, offset: offset - data.byteLength, length: data.byteLength };
    },
  });
  await writeFile(join(out, "timing", `${family}.forward-initializers.onnx`), initializers);
  const meta = { tokens: tokens.index, weights, external: { location, size: offset, entries: external } };
  await writeFile(join(out, "timing", `${family}.tokens.bin`), tokens.blob);
  await writeFile(join(out, "timing", `${family}.json`), JSON.stringify(meta));
  process.stderr.write(`timing ${family}: ${weights.length} weights\n`);
}
