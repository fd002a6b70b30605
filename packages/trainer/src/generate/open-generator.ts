import { existsSync } from "node:fs";
import { join } from "node:path";
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
}

/**
 * Open a model folder for generation: a Hugging Face checkpoint (`config.json` + `*.safetensors`) with
 * {@link LocalGenerator}, else a transformers.js export (`onnx/model.onnx`) with {@link TransformersGenerator}.
 *
 * @throws ModelFolderError when the folder is neither
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
    return LocalGenerator.load(dir, { ...common, ...batch });
  }
  if (isTransformersJsFolder(dir)) return TransformersGenerator.load(dir, common);
  throw new ModelFolderError(
    dir,
    "not a model folder: expected config.json with model.safetensors (a Hugging Face checkpoint) or onnx/model.onnx (a transformers.js export)",
  );
}
