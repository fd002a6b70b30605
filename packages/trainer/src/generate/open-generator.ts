import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadModelWithAdapter } from "../lora/load-with-adapter.js";
import { ModelFolderError } from "./generate-errors.js";
import type { GenerationOptions, Generator } from "./generator.js";
import { LocalGenerator } from "./local-generator.js";
import { isTransformersJsFolder, TransformersGenerator } from "./transformers-generator.js";

/** Options of {@link openGenerator}. */
export interface OpenGeneratorOptions {
  /** Model name (default: the folder's name). */
  readonly name?: string;
  /** Sampling defaults of `complete` and `generate` (each call may override them). */
  readonly defaults?: Omit<GenerationOptions, "onText" | "signal">;
  /** Most completions decoded together ({@link LocalGenerator} only; default 16). */
  readonly maxBatchSize?: number;
  /**
   * A PEFT LoRA adapter folder for the checkpoint, merged into its weights in memory before the session is
   * built ({@link loadModelWithAdapter}): W + s·B·A, so decoding costs what the base model costs. Only for a
   * Hugging Face checkpoint folder.
   */
  readonly adapter?: string;
}

/**
 * Open a model folder for generation: a Hugging Face checkpoint (`config.json` + `*.safetensors`) with
 * {@link LocalGenerator}, else a transformers.js export (`onnx/model.onnx`) with {@link TransformersGenerator}.
 * With `adapter`, a LoRA adapter is merged into the checkpoint's weights first.
 *
 * @throws ModelFolderError when the folder is neither (or, with `adapter`, not a checkpoint); AdapterError
 * @example
 * ```ts
 * const generator = await openGenerator("models/tiny-llama", { defaults: { maxNewTokens: 64 } });
 * ```
 */
export async function openGenerator(dir: string, options: OpenGeneratorOptions = {}): Promise<Generator> {
  const common = {
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.defaults === undefined ? {} : { defaults: options.defaults }),
  };
  const safetensors = ["model.safetensors", "model.safetensors.index.json"].some((f) =>
    existsSync(join(dir, f)),
  );
  if (existsSync(join(dir, "config.json")) && safetensors) {
    const batch = options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize };
    if (options.adapter !== undefined) {
      return LocalGenerator.create(await loadModelWithAdapter(dir, options.adapter), { ...common, ...batch });
    }
    return LocalGenerator.load(dir, { ...common, ...batch });
  }
  if (options.adapter !== undefined) {
    throw new ModelFolderError(
      dir,
      "--adapter needs a Hugging Face checkpoint folder (config.json with model.safetensors) to merge the adapter into",
    );
  }
  if (isTransformersJsFolder(dir)) return TransformersGenerator.load(dir, common);
  throw new ModelFolderError(
    dir,
    "not a model folder: expected config.json with model.safetensors (a Hugging Face checkpoint) or onnx/model.onnx (a transformers.js export)",
  );
}
