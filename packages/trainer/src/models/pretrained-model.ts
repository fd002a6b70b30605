import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UnsupportedConfigError } from "../config/config-error.js";
import type { ModelConfig } from "../config/model-config.js";
import { parseModelConfig } from "../config/parse-model-config.js";
import { readCheckpointWeights } from "../safetensors/read-checkpoint-weights.js";
import type { WeightMap } from "../safetensors/tensor.js";
import { writeSafetensorsFile } from "../safetensors/write-safetensors.js";
import { ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import { familyOf } from "./family-of.js";
import { MissingWeightError, WeightMismatchError } from "./model-errors.js";

/**
 * A Hugging Face checkpoint in memory: parsed and raw config, float32 weights by HF name, and the
 * tokenizer when the folder has one.
 *
 * @example
 * ```ts
 * const model = await loadPretrainedModel("../shared/models/stories260k");
 * model.config.family; // "llama"
 * ```
 */
export interface PretrainedModel {
  readonly config: ModelConfig;
  /** `config.json` as read, written back unchanged on save (except `torch_dtype`/`dtype`, now float32). */
  readonly rawConfig: Record<string, unknown>;
  readonly weights: WeightMap;
  readonly tokenizer: ModelTokenizer | null;
  /** The folder it was loaded from (tokenizer files are copied from here on save), or null. */
  readonly source: string | null;
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
 * Check that `weights` holds every tensor the architecture needs, as float32 with the right shape.
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
    if (!(t.data instanceof Float32Array)) {
      throw new WeightMismatchError(spec.name, "a float dtype", `${t.data.constructor.name} values`, source);
    }
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new WeightMismatchError(spec.name, `shape [${spec.shape}]`, `shape [${t.shape}]`, source);
    }
  }
}

/**
 * Load a Hugging Face checkpoint folder: `config.json`, `model.safetensors` (or a sharded index; F32,
 * F16, BF16 read as float32), and `tokenizer.json` / `tokenizer_config.json` when present.
 *
 * @throws UnsupportedConfigError, SafetensorsError, MissingWeightError, WeightMismatchError
 * @example
 * ```ts
 * const model = await loadPretrainedModel("models/tiny-llama");
 * ```
 */
export async function loadPretrainedModel(dir: string): Promise<PretrainedModel> {
  const configPath = join(dir, "config.json");
  let rawConfig: Record<string, unknown>;
  try {
    rawConfig = JSON.parse(await readFile(configPath, "utf8")) as Record<string, unknown>;
  } catch (cause) {
    throw new UnsupportedConfigError("config", configPath, `cannot read config.json: ${String(cause)}`);
  }
  const config = parseModelConfig(rawConfig);
  const weights = await readCheckpointWeights(dir);
  validateWeights(config, weights, dir);
  const tokenizer = existsSync(join(dir, "tokenizer.json")) ? await ModelTokenizer.load(dir) : null;
  return { config, rawConfig, weights, tokenizer, source: dir };
}

/**
 * Save a model as a Hugging Face checkpoint folder: `config.json`, `model.safetensors` with the same
 * tensor names (F32 unless `floatDtype` asks for F16 or BF16), and the tokenizer files of its source folder, so transformers, vLLM and transformers.js
 * load it.
 *
 * @example
 * ```ts
 * await savePretrainedModel({ ...model, weights: trained }, "out/checkpoint-1");
 * ```
 */
export async function savePretrainedModel(
  model: PretrainedModel,
  dir: string,
  options: { floatDtype?: "F32" | "F16" | "BF16" } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const floatDtype = options.floatDtype ?? "F32";
  const torchDtype = { F32: "float32", F16: "float16", BF16: "bfloat16" }[floatDtype];
  // The config states the dtype written; transformers v5 names the field `dtype`.
  const config = {
    ...model.rawConfig,
    torch_dtype: torchDtype,
    ...("dtype" in model.rawConfig ? { dtype: torchDtype } : {}),
  };
  await writeFile(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  await writeSafetensorsFile(join(dir, "model.safetensors"), model.weights, { floatDtype });
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
