import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UnsupportedConfigError } from "../config/config-error.js";
import type { ModelConfig } from "../config/model-config.js";
import { parseModelConfig } from "../config/parse-model-config.js";
import { readCheckpointWeights } from "../safetensors/read-checkpoint-weights.js";
import {
  declaredFloatDtype,
  type FloatSafetensorsDtype,
  isFloatDtype,
  TORCH_DTYPES,
} from "../safetensors/safetensors-dtype.js";
import type { WeightMap } from "../safetensors/tensor.js";
import { writeCheckpointWeights } from "../safetensors/write-checkpoint-weights.js";
import { storedDtype } from "../safetensors/write-safetensors.js";
import { ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import { familyOf } from "./family-of.js";
import { MissingWeightError, WeightMismatchError } from "./model-errors.js";
import type { FloatType } from "./model-family.js";

/**
 * A Hugging Face checkpoint in memory: parsed and raw config, weights by HF name (float32, or float64 when
 * loaded for a float64 run; each remembers the dtype it was stored in), and the tokenizer when the folder
 * has one.
 *
 * @example
 * ```ts
 * const model = await loadPretrainedModel("../shared/models/stories260k");
 * model.config.family; // "llama"
 * ```
 */
export interface PretrainedModel {
  readonly config: ModelConfig;
  /** `config.json` as read, written back unchanged on save except `torch_dtype`/`dtype` (the dtype written). */
  readonly rawConfig: Record<string, unknown>;
  readonly weights: WeightMap;
  readonly tokenizer: ModelTokenizer | null;
  /** The folder it was loaded from (tokenizer files are copied from here on save), or null. */
  readonly source: string | null;
}

/**
 * Options of {@link loadPretrainedModel}.
 *
 * @example
 * ```ts
 * const options: LoadPretrainedOptions = { dtype: "float64" };
 * ```
 */
export interface LoadPretrainedOptions {
  /**
   * Precision the weights are held in (default float32): the run's float dtype. F32, F16 and BF16
   * checkpoints widen exactly to either; an F64 checkpoint is kept exactly by float64 and rounded by float32.
   */
  readonly dtype?: FloatType;
}

/**
 * Options of {@link savePretrainedModel}.
 *
 * @example
 * ```ts
 * const options: SavePretrainedOptions = { dtype: "BF16" };
 * ```
 */
export interface SavePretrainedOptions {
  /**
   * The float dtype to store every weight in. Default: the dtype each weight was loaded from (a BF16
   * checkpoint saves as BF16, an F64 one as F64, exactly when the run was float64); weights made in
   * memory save as F32 (F64 for float64 arrays). F16/BF16 round to nearest even.
   */
  readonly dtype?: FloatSafetensorsDtype;
  /**
   * Largest `model.safetensors` in bytes before the weights are split into shards with an index (default
   * 5 GB, as transformers' `save_pretrained`).
   */
  readonly maxShardSize?: number;
}

/** Files besides config and weights that a checkpoint folder may hold and a save should keep. */
const SIDE_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "chat_template.jinja",
  "generation_config.json",
] as const;

/**
 * Check that `weights` holds every tensor the architecture needs, as floats with the right shape.
 *
 * @throws MissingWeightError or WeightMismatchError naming the tensor
 * @example
 * ```ts
 * validateWeights(config, weights, "models/x");
 * ```
 */
export function validateWeights(config: ModelConfig, weights: WeightMap, source: string): void {
  for (const spec of familyOf(config).weightSpecs(config, new Set(weights.keys()))) {
    const t = weights.get(spec.name);
    if (!t) throw new MissingWeightError(spec.name, source);
    if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) {
      const actual =
        t.sourceDtype === undefined ? `${t.data.constructor.name} values` : `dtype ${t.sourceDtype}`;
      throw new WeightMismatchError(spec.name, "a float dtype (F32, F64, F16 or BF16)", actual, source);
    }
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new WeightMismatchError(spec.name, `shape [${spec.shape}]`, `shape [${t.shape}]`, source);
    }
  }
}

/**
 * Check that every weight the architecture reads is stored in the float dtype `config.json` declares
 * (`dtype` or `torch_dtype`), when it declares one: transformers loads the folder in that dtype, so a
 * disagreement means the config and weights do not belong together.
 *
 * @throws WeightMismatchError naming the first tensor that disagrees
 * @example
 * ```ts
 * validateWeightDtypes(config, rawConfig, weights, "models/x");
 * ```
 */
export function validateWeightDtypes(
  config: ModelConfig,
  rawConfig: Record<string, unknown>,
  weights: WeightMap,
  source: string,
): void {
  const declared = declaredFloatDtype(rawConfig);
  if (declared === null) return;
  const field = rawConfig.dtype !== undefined ? "dtype" : "torch_dtype";
  for (const spec of familyOf(config).weightSpecs(config, new Set(weights.keys()))) {
    const stored = weights.get(spec.name)?.sourceDtype;
    if (stored !== undefined && stored !== declared) {
      throw new WeightMismatchError(
        spec.name,
        `dtype ${declared} (config.json ${field} = ${JSON.stringify(rawConfig[field])})`,
        `dtype ${stored}; re-save the checkpoint in one dtype or correct ${field}`,
        source,
      );
    }
  }
}

/**
 * Load a Hugging Face checkpoint folder: `config.json`, `model.safetensors` of any size or a sharded
 * index (F32, F64, F16, BF16, converted to `options.dtype`), and `tokenizer.json` /
 * `tokenizer_config.json` when present. Shapes and dtypes are checked against the config, and every
 * weight must be finite.
 *
 * @throws UnsupportedConfigError, SafetensorsError, ShardPathError, NonFiniteWeightError,
 * MissingWeightError, WeightMismatchError
 * @example
 * ```ts
 * const model = await loadPretrainedModel("models/tiny-llama");
 * ```
 */
export async function loadPretrainedModel(
  dir: string,
  options: LoadPretrainedOptions = {},
): Promise<PretrainedModel> {
  const configPath = join(dir, "config.json");
  let rawConfig: Record<string, unknown>;
  try {
    rawConfig = JSON.parse(await readFile(configPath, "utf8")) as Record<string, unknown>;
  } catch (cause) {
    throw new UnsupportedConfigError("config", configPath, `cannot read config.json: ${String(cause)}`);
  }
  const config = parseModelConfig(rawConfig);
  const weights = await readCheckpointWeights(dir, { dtype: options.dtype ?? "float32" });
  // Every layer has its own tensors, so a config with more layers than the checkpoint has tensors is wrong;
  // checked before the weight specs are listed, which for an absurd count (1e9) would exhaust memory.
  if (config.numLayers > weights.size) {
    throw new UnsupportedConfigError(
      config.family === "gpt2" ? "n_layer" : "num_hidden_layers",
      config.numLayers,
      `${dir} has only ${weights.size} tensors, fewer than one per layer`,
    );
  }
  validateWeights(config, weights, dir);
  validateWeightDtypes(config, rawConfig, weights, dir);
  const tokenizer = existsSync(join(dir, "tokenizer.json")) ? await ModelTokenizer.load(dir) : null;
  return { config, rawConfig, weights, tokenizer, source: dir };
}

/**
 * Save a model as a Hugging Face checkpoint folder that transformers, vLLM and transformers.js load:
 * `config.json` (its `torch_dtype`/`dtype` set to the dtype written), the weights with the same tensor
 * names as one `model.safetensors` or, above `maxShardSize`, shards plus `model.safetensors.index.json`
 * (streamed tensor by tensor), and the tokenizer files of its source folder. Each weight is stored in the
 * dtype it was loaded from unless `dtype` says otherwise.
 *
 * @example
 * ```ts
 * await savePretrainedModel({ ...model, weights: trained }, "out/checkpoint-1");
 * await savePretrainedModel(model, "out/bf16", { dtype: "BF16" });
 * ```
 */
export async function savePretrainedModel(
  model: PretrainedModel,
  dir: string,
  options: SavePretrainedOptions = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const written = new Set<FloatSafetensorsDtype>();
  for (const t of model.weights.values()) {
    const dtype = storedDtype(t, options.dtype);
    if (isFloatDtype(dtype)) written.add(dtype);
  }
  // The config states the dtype written (transformers v5 names the field `dtype`); weights of mixed
  // dtypes (only from a mixed source without a declared dtype) declare none, and load as stored.
  const { torch_dtype: _torch, dtype: _dtype, ...rest } = model.rawConfig;
  const only = written.size === 1 ? TORCH_DTYPES[[...written][0]!] : undefined;
  const config =
    only === undefined
      ? rest
      : { ...model.rawConfig, torch_dtype: only, ...("dtype" in model.rawConfig ? { dtype: only } : {}) };
  await writeFile(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  await writeCheckpointWeights(dir, model.weights, {
    ...(options.dtype === undefined ? {} : { floatDtype: options.dtype }),
    ...(options.maxShardSize === undefined ? {} : { maxShardSize: options.maxShardSize }),
  });
  const source = model.source;
  if (source !== null && source !== dir) {
    for (const file of SIDE_FILES) {
      if (existsSync(join(source, file))) await copyFile(join(source, file), join(dir, file));
    }
  }
  // A model made in memory (or whose folder lost its files) still saves its tokenizer.
  const files = model.tokenizer?.files;
  const missing = (file: string) => !existsSync(join(dir, file));
  if (files !== undefined) {
    if (missing("tokenizer.json"))
      await writeFile(join(dir, "tokenizer.json"), JSON.stringify(files.tokenizerJson));
    if (missing("tokenizer_config.json")) {
      await writeFile(
        join(dir, "tokenizer_config.json"),
        `${JSON.stringify(files.tokenizerConfig, null, 2)}\n`,
      );
    }
    if (files.chatTemplate !== null && missing("chat_template.jinja")) {
      await writeFile(join(dir, "chat_template.jinja"), files.chatTemplate);
    }
  }
}
