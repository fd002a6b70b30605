import { existsSync } from "node:fs";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { writeModel } from "../onnx/model-file.js";
import { buildDecoderModel } from "./build-decoder-model.js";

/** Options of {@link exportTransformersJs}. */
export interface TransformersJsExportOptions {
  /**
   * Store the weights in `onnx/model.onnx_data` (transformers.js `use_external_data_format`); default:
   * when they exceed 1 GiB (a protobuf message cannot exceed 2 GiB).
   */
  readonly externalData?: boolean;
}

const TOKENIZER_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "chat_template.jinja",
];

/**
 * Write a model as a transformers.js folder: `onnx/model.onnx` (the cached decoder graph with
 * `input_ids`, `attention_mask`, `position_ids`, `past_key_values.L.key/value` in and `logits` [B, S, V],
 * `present.L.key/value` out, the layout of Optimum's decoder exports), `config.json`,
 * `generation_config.json`, and the tokenizer files of the model's source folder.
 *
 * @example
 * ```ts
 * await exportTransformersJs(await loadPretrainedModel("models/tiny-llama"), "exports/tiny-llama");
 * const model = await AutoModelForCausalLM.from_pretrained("exports/tiny-llama", { local_files_only: true, dtype: "fp32" });
 * ```
 */
export async function exportTransformersJs(
  model: PretrainedModel,
  dir: string,
  options: TransformersJsExportOptions = {},
): Promise<void> {
  await mkdir(join(dir, "onnx"), { recursive: true });
  let bytes = 0;
  for (const t of model.weights.values()) bytes += t.data.byteLength;
  const external = options.externalData ?? bytes > 2 ** 30;
  const onnx = buildDecoderModel(model, { logits: "all", positionInput: true });
  await writeModel(
    join(dir, "onnx", "model.onnx"),
    onnx,
    external ? { externalData: { location: "model.onnx_data" } } : {},
  );
  const { bosTokenId, eosTokenId } = model.config;
  const config = {
    ...model.rawConfig,
    torch_dtype: "float32",
    use_cache: true,
    ...(external ? { "transformers.js_config": { use_external_data_format: true } } : {}),
  };
  await writeFile(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  const generation = {
    ...(bosTokenId === null ? {} : { bos_token_id: bosTokenId }),
    ...(eosTokenId === null ? {} : { eos_token_id: eosTokenId }),
    ...(model.tokenizer?.padTokenId == null ? {} : { pad_token_id: model.tokenizer.padTokenId }),
  };
  await writeFile(join(dir, "generation_config.json"), `${JSON.stringify(generation, null, 2)}\n`);
  if (model.source !== null && model.source !== dir) {
    for (const file of TOKENIZER_FILES) {
      if (existsSync(join(model.source, file))) await copyFile(join(model.source, file), join(dir, file));
    }
  }
}
