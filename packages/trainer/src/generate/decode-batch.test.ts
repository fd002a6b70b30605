import { existsSync } from "node:fs";
import { join } from "node:path";
import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { createTinyModel, type TinyModelOptions } from "../models/create-tiny-model.js";
import { familyOf } from "../models/family-of.js";
import { declareForwardInputs } from "../models/forward-inputs.js";
import { addModelWeights } from "../models/model-weights.js";
import { loadPretrainedModel, type PretrainedModel } from "../models/pretrained-model.js";
import { GraphBuilder } from "../onnx/builder.js";
import { encodeModel } from "../onnx/protobuf.js";
import { type DecodeRow, decodeBatch } from "./decode-batch.js";
import { DecoderSession } from "./decoder-session.js";
import { argmax } from "./sample-token.js";

/** Greedy decoding with the models module's own full forward (no cache, one row at a time). */
async function referenceGreedy(model: PretrainedModel, prompt: readonly number[], steps: number) {
  const g = new GraphBuilder();
  const { forward } = declareForwardInputs(g);
  const weight = addModelWeights(g, model);
  const names = new Set(model.weights.keys());
  g.output(familyOf(model.config).buildLogits(g, model.config, weight, forward, names));
  const session = await InferenceSession.create(encodeModel(g.toModel()));
  const ids = [...prompt];
  const out: number[] = [];
  const vocab = model.config.vocabSize;
  for (let s = 0; s < steps; s++) {
    const dims = [1, ids.length];
    const result = await session.run({
      input_ids: new OrtTensor("int64", BigInt64Array.from(ids, BigInt), dims),
      attention_mask: new OrtTensor("int64", new BigInt64Array(ids.length).fill(1n), dims),
    });
    const logits = Object.values(result)[0]!.data as Float32Array;
    const next = argmax(logits.subarray((ids.length - 1) * vocab));
    out.push(next);
    ids.push(next);
  }
  await session.release();
  return out;
}

function greedyRows(prompts: readonly (readonly number[])[], steps: number) {
  const outputs = prompts.map(() => [] as number[]);
  const rows: DecodeRow[] = prompts.map((promptIds, r) => ({
    promptIds,
    // Rows end at different steps, so the batch shrinks and the cache is compacted on the way.
    next(logits) {
      const token = argmax(logits);
      outputs[r]!.push(token);
      return { token, done: outputs[r]!.length === steps - r };
    },
  }));
  return { rows, outputs };
}

const prompts = [
  [1, 40, 50, 60, 70, 80],
  [1, 9],
  [1, 200, 201, 202],
];
const steps = 20;

const variants: [string, TinyModelOptions][] = [
  ["llama (GQA, untied)", { family: "llama", seed: 1 }],
  ["llama (tied, multi-query)", { family: "llama", seed: 2, tieWordEmbeddings: true, numKeyValueHeads: 1 }],
  ["qwen2 (q/k/v bias)", { family: "llama", seed: 4, configOverrides: { model_type: "qwen2" } }],
  ["gpt2", { family: "gpt2", seed: 7 }],
];

const sessions: DecoderSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.release();
});

async function expectCacheMatchesRecompute(model: PretrainedModel) {
  const session = await DecoderSession.create(model);
  sessions.push(session);
  const cached = greedyRows(prompts, steps);
  await decodeBatch(session, cached.rows, { padId: 0 });
  const recomputed = greedyRows(prompts, steps);
  await decodeBatch(session, recomputed.rows, { padId: 0, cache: false });
  expect(cached.outputs).toEqual(recomputed.outputs);
  for (const [r, prompt] of prompts.entries()) {
    expect(cached.outputs[r]).toEqual(await referenceGreedy(model, prompt, steps - r));
  }
  return cached.outputs;
}

describe("greedy decoding with the key/value cache", () => {
  it.each(variants)("equals recomputing the prefix, token for token: %s", async (_, options) => {
    const outputs = await expectCacheMatchesRecompute(await createTinyModel(options));
    // Not a degenerate model: the greedy continuation is not one repeated token.
    expect(new Set(outputs[0]).size).toBeGreaterThan(2);
  });

  const stories = join(import.meta.dirname, "../../../../../shared/models/stories260k");
  // A fresh clone has no ../shared: then this one test is skipped (CI lays shared/ beside the repository).
  it.skipIf(!existsSync(stories))(
    "equals recomputing the prefix on stories260K (needs ../shared)",
    async () => {
      const outputs = await expectCacheMatchesRecompute(await loadPretrainedModel(stories));
      expect(new Set(outputs[0]).size).toBeGreaterThan(2);
    },
  );
});
