import {
  type LoadPretrainedOptions,
  loadPretrainedModel,
  type PretrainedModel,
} from "../models/pretrained-model.js";
import { mergeLoraAdapter } from "./merge-adapter.js";
import { loadLoraAdapter } from "./peft-adapter.js";

/**
 * Load a base checkpoint and a PEFT LoRA adapter for it, and merge the adapter into the weights in memory
 * ({@link mergeLoraAdapter}): what `apo logprobs`, `apo generate` and `apo serve` run with `--adapter`. The
 * merged model computes base + adapter exactly up to rounding (the update is summed in float64 and rounded
 * once into the run's dtype: |ΔW| ~ 1e-16·|W| in float64), and runs as fast as the base model.
 *
 * ```text
 * W' = W + s·B·A   (linear),   W' = W + s·(B·A)ᵀ   (GPT-2 Conv1D),   s = alpha/r or alpha/√r
 * ```
 *
 * @throws what loadPretrainedModel and loadLoraAdapter throw (AdapterError naming the tensor that does not fit)
 * @example
 * ```ts
 * const model = await loadModelWithAdapter("models/base", "runs/a/checkpoint-10");
 * ```
 */
export async function loadModelWithAdapter(
  modelDir: string,
  adapterDir: string,
  options: LoadPretrainedOptions = {},
): Promise<PretrainedModel> {
  const base = await loadPretrainedModel(modelDir, options);
  const adapter = await loadLoraAdapter(adapterDir, { model: base, dtype: "float64" });
  return mergeLoraAdapter(base, adapter);
}
