import type { ModelFamilyName } from "../config/model-config.js";
import { familyOf } from "../models/family-of.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { LoraTargetError } from "./lora-errors.js";

/**
 * One linear layer a LoRA adapter wraps: its module path as PEFT names it (the path inside the Hugging
 * Face `*ForCausalLM` model, so `loraAName(module)` is PEFT's tensor name), the checkpoint tensor holding
 * its base weight, its sizes, and how that weight is laid out.
 *
 * ```text
 * linear (nn.Linear):  W = weights[baseWeight] is [out, in],  y = x·Wᵀ (+ b)
 * conv1d (GPT-2):      W = weights[baseWeight] is [in, out],  y = x·W  (+ b)
 * LoRA on either:      A [r, in], B [out, r],  y += s · (x·Aᵀ)·Bᵀ
 * ```
 *
 * @example
 * ```ts
 * const m: LoraModule = {
 *   module: "model.layers.0.self_attn.q_proj",
 *   baseWeight: "model.layers.0.self_attn.q_proj.weight",
 *   inFeatures: 64, outFeatures: 64, layout: "linear",
 * };
 * ```
 */
export interface LoraModule {
  /** PEFT's module path, e.g. `model.layers.0.self_attn.q_proj` or `transformer.h.0.attn.c_attn`. */
  readonly module: string;
  /** The checkpoint tensor of its base weight (GPT-2 checkpoints saved from GPT2Model lack `transformer.`). */
  readonly baseWeight: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** `linear`: base weight [out, in]; `conv1d` (transformers' GPT-2 Conv1D): base weight [in, out]. */
  readonly layout: "linear" | "conv1d";
}

/** PEFT's `target_modules` shorthand for every linear layer except the output head. */
export const ALL_LINEAR = "all-linear";

/** How a family's 2-D weights map to LoRA-able modules. */
interface FamilyLinears {
  readonly layout: LoraModule["layout"];
  /** Last name components of 2-D weights that are not linear layers (embeddings) or are the output head. */
  readonly excluded: readonly string[];
  /** Prefix the HF causal-LM model puts before a checkpoint name lacking it (`""` when names are complete). */
  readonly modulePrefix: (weightName: string) => string;
}

/** Adding a family forces an entry here (the key set is the family names). */
const FAMILY_LINEARS = {
  llama: { layout: "linear", excluded: ["embed_tokens", "lm_head"], modulePrefix: () => "" },
  gpt2: {
    layout: "conv1d",
    excluded: ["wte", "wpe"],
    modulePrefix: (name: string) => (name.startsWith("transformer.") ? "" : "transformer."),
  },
} as const satisfies Record<ModelFamilyName, FamilyLinears>;

/**
 * The part of a model LoRA module resolution reads: its config and the names of its weights (GPT-2
 * checkpoints saved from GPT2Model name their tensors without `transformer.`).
 */
export type LoraBaseModel = Pick<PretrainedModel, "config" | "weights">;

/**
 * Every linear layer of a model that LoRA can wrap, in the order the family declares its weights: the 2-D
 * weights other than embeddings and the output head (PEFT's "all-linear" set).
 *
 * @example
 * ```ts
 * linearModules(model).map((m) => m.module);
 * // ["model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.k_proj", …, "model.layers.1.mlp.down_proj"]
 * ```
 */
export function linearModules(model: LoraBaseModel): LoraModule[] {
  const { config } = model;
  const names = new Set(model.weights.keys());
  const rule: FamilyLinears = FAMILY_LINEARS[config.family];
  const out: LoraModule[] = [];
  for (const spec of familyOf(config).weightSpecs(config, names)) {
    if (spec.shape.length !== 2 || !spec.name.endsWith(".weight")) continue;
    const path = spec.name.slice(0, -".weight".length);
    const last = path.slice(path.lastIndexOf(".") + 1);
    if (rule.excluded.includes(last)) continue;
    const [d0, d1] = spec.shape as [number, number];
    out.push({
      module: rule.modulePrefix(spec.name) + path,
      baseWeight: spec.name,
      inFeatures: rule.layout === "linear" ? d1 : d0,
      outFeatures: rule.layout === "linear" ? d0 : d1,
      layout: rule.layout,
    });
  }
  return out;
}

/**
 * Whether PEFT's `target_modules` entry `target` names the module at `path`: the path equals it or ends in
 * `"." + target` (so `q_proj` and `self_attn.q_proj` both name `model.layers.3.self_attn.q_proj`).
 *
 * @example
 * ```ts
 * targetMatches("v_proj", "model.layers.0.self_attn.v_proj"); // true
 * targetMatches("proj", "model.layers.0.self_attn.v_proj");   // false
 * ```
 */
export function targetMatches(target: string, path: string): boolean {
  return path === target || path.endsWith(`.${target}`);
}

/**
 * Whether `targets` is PEFT's "all-linear" shorthand (one entry, any case).
 *
 * @example
 * ```ts
 * isAllLinear(["all-linear"]); // true
 * ```
 */
export function isAllLinear(targets: readonly string[]): boolean {
  return targets.length === 1 && targets[0]!.toLowerCase() === ALL_LINEAR;
}

/**
 * The linear layers that LoRA `targets` (PEFT's `target_modules`) wrap, in model order: each module whose
 * path equals a target or ends in `"." + target`, or every linear layer but the output head for
 * `["all-linear"]`. Every target must match at least one linear layer.
 *
 * @throws LoraTargetError naming the first target that matches nothing and listing the linear layers
 * @example
 * ```ts
 * loraModules(model, ["q_proj", "v_proj"]);
 * // [{ module: "model.layers.0.self_attn.q_proj", baseWeight: "model.layers.0.self_attn.q_proj.weight", inFeatures: 64, outFeatures: 64, layout: "linear" }, …]
 * ```
 */
export function loraModules(model: LoraBaseModel, targets: readonly string[]): LoraModule[] {
  const all = linearModules(model);
  if (isAllLinear(targets)) return all;
  for (const target of targets) {
    if (!all.some((m) => targetMatches(target, m.module))) {
      throw new LoraTargetError(
        target,
        all.map((m) => m.module),
      );
    }
  }
  return all.filter((m) => targets.some((t) => targetMatches(t, m.module)));
}

/**
 * The `target_modules` list PEFT writes for modules: the distinct last components of their paths, sorted
 * (what PEFT reduces "all-linear" and long lists to). It names exactly `modules` when no other linear layer
 * shares a last component with them, as in every family here.
 *
 * @example
 * ```ts
 * targetNamesOf(loraModules(model, ["all-linear"])); // ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"]
 * ```
 */
export function targetNamesOf(modules: readonly LoraModule[]): string[] {
  return [...new Set(modules.map((m) => m.module.slice(m.module.lastIndexOf(".") + 1)))].sort();
}

/**
 * The explicit `target_modules` names that `targets` stand for on `model`: "all-linear" becomes the last
 * components of every linear layer but the head (what PEFT writes into `adapter_config.json`); other lists
 * come back as given, once each, after checking that each matches a linear layer.
 *
 * @throws LoraTargetError as {@link loraModules}
 * @example
 * ```ts
 * expandLoraTargets(gpt2Model, ["all-linear"]); // ["c_attn", "c_fc", "c_proj"]
 * ```
 */
export function expandLoraTargets(model: LoraBaseModel, targets: readonly string[]): string[] {
  const modules = loraModules(model, targets);
  return isAllLinear(targets) ? targetNamesOf(modules) : [...new Set(targets)];
}
