import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { createTinyModel } from "../src/models/create-tiny-model.js";
import { familyOf } from "../src/models/family-of.js";
import { declareForwardInputs } from "../src/models/forward-inputs.js";
import type { FloatType } from "../src/models/model-family.js";
import { addModelWeights } from "../src/models/model-weights.js";
import { type PretrainedModel, savePretrainedModel } from "../src/models/pretrained-model.js";
import { GraphBuilder } from "../src/onnx/builder.js";
import { encodeModel } from "../src/onnx/protobuf.js";
import type { FloatSafetensorsDtype } from "../src/safetensors/safetensors-dtype.js";
import type { WeightMap } from "../src/safetensors/tensor.js";

/**
 * One checkpoint folder our code writes for `load_checkpoints.py`: a seeded tiny model saved by
 * `savePretrainedModel` in `dtype`, as one file or (with `maxShardSize`) as shards plus an index.
 */
export interface CheckpointCase {
  readonly name: string;
  readonly family: "llama" | "gpt2";
  readonly dtype: FloatSafetensorsDtype;
  readonly maxShardSize?: number;
}

/** What `load_checkpoints.py` records (test/fixtures/transformers-load.json). */
export interface CheckpointLoadFixture {
  /** Versions and device of the transformers run. */
  readonly reference: Record<string, string>;
  readonly input_ids: number[];
  readonly cases: Record<
    string,
    {
      /** SHA-256 of each weight file of the folder transformers loaded. */
      readonly files: Record<string, string>;
      /** Loaded with transformers' defaults, no missing, unexpected or mismatched keys. */
      readonly loaded: boolean;
      readonly error?: string;
      /** The torch dtype transformers chose (from config.json's torch_dtype). */
      readonly dtype?: string;
      /** Logits for `input_ids` computed in that dtype, summed in float64. */
      readonly logits_sum?: number;
      readonly logits_abs_sum?: number;
      /** The same with the model loaded as float64. */
      readonly float64?: { readonly logits_sum: number; readonly logits_abs_sum: number };
    }
  >;
}

/** Shards of about 40 kB: the tiny models (~0.2 MB in F32) split into several. */
const SHARD = 40_000;

/** Both families in every dtype we write, single-file and sharded. */
export const CHECKPOINT_CASES: readonly CheckpointCase[] = (["llama", "gpt2"] as const).flatMap((family) =>
  (["F32", "F64", "F16", "BF16"] as const).flatMap((dtype) => [
    { name: `${family}-${dtype.toLowerCase()}`, family, dtype },
    { name: `${family}-${dtype.toLowerCase()}-sharded`, family, dtype, maxShardSize: SHARD },
  ]),
);

/** The fixed input whose logits both sides sum: one sequence of byte-level token ids, BOS first. */
export const CHECKPOINT_INPUT_IDS = [1, 72, 105, 33, 34, 80, 81, 82, 107, 108, 2, 50] as const;

/**
 * Write a case's folder. F64 folders hold values float32 cannot (each weight × (1 + 2⁻³⁰), as a float64
 * run's weights are), so a reader that rounds through float32 shows.
 *
 * @example
 * ```ts
 * await writeCheckpointCase(CHECKPOINT_CASES[0]!, "/tmp/llama-f32");
 * ```
 */
export async function writeCheckpointCase(c: CheckpointCase, dir: string): Promise<PretrainedModel> {
  const tiny = await createTinyModel({ family: c.family, seed: c.family === "llama" ? 31 : 32 });
  const weights: WeightMap =
    c.dtype === "F64"
      ? new Map(
          [...tiny.weights].map(([name, t]) => [
            name,
            { shape: t.shape, data: Float64Array.from(t.data as Float32Array, (v) => v * (1 + 2 ** -30)) },
          ]),
        )
      : tiny.weights;
  const model = { ...tiny, weights };
  await savePretrainedModel(model, dir, {
    dtype: c.dtype,
    ...(c.maxShardSize === undefined ? {} : { maxShardSize: c.maxShardSize }),
  });
  return model;
}

/**
 * SHA-256 of a folder's weight files (`*.safetensors` and the shard index), by file name: what the
 * fixture records so a test can tell it regenerated the very folders transformers loaded.
 *
 * @example
 * ```ts
 * await weightFileDigests("/tmp/llama-f32"); // { "model.safetensors": "9c1f…" }
 * ```
 */
export async function weightFileDigests(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".safetensors") || n.endsWith(".index.json"));
  const out: Record<string, string> = {};
  for (const name of names.sort()) {
    out[name] = createHash("sha256")
      .update(await readFile(join(dir, name)))
      .digest("hex");
  }
  return out;
}

/**
 * Our forward's logits [1, T, V] for {@link CHECKPOINT_INPUT_IDS}, summed in float64: their plain sum and
 * the sum of their absolute values (the scale tolerances are relative to).
 *
 * @example
 * ```ts
 * const { sum, absSum } = await logitsSum(await loadPretrainedModel(dir), "float32");
 * ```
 */
export async function logitsSum(
  model: PretrainedModel,
  dtype: FloatType,
): Promise<{ sum: number; absSum: number }> {
  const g = new GraphBuilder();
  const { forward } = declareForwardInputs(g, dtype);
  const weight = addModelWeights(g, model, { dtype });
  const names = new Set(model.weights.keys());
  g.output(familyOf(model.config).buildLogits(g, model.config, weight, forward, names));
  // As the library's own sessions: float64 graphs get only the basic optimisations.
  const session = await InferenceSession.create(
    encodeModel(g.toModel()),
    dtype === "float64" ? { graphOptimizationLevel: "basic" } : {},
  );
  const ids = BigInt64Array.from(CHECKPOINT_INPUT_IDS, BigInt);
  try {
    const out = await session.run({
      input_ids: new OrtTensor("int64", ids, [1, ids.length]),
      attention_mask: new OrtTensor("int64", new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
    });
    const logits = out[session.outputNames[0]!]!.data as Float32Array | Float64Array;
    let [sum, absSum] = [0, 0];
    for (const v of logits) {
      sum += v;
      absSum += Math.abs(v);
    }
    return { sum, absSum };
  } finally {
    await session.release();
  }
}
