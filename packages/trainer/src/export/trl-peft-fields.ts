import type { LoraConfig } from "../lora/lora-config.js";
import { isAllLinear } from "../lora/lora-modules.js";
import { ExportTrlError } from "./export-trl-error.js";
import type { TrlConfig } from "./trl-yaml.js";

/** Characters a Python `re` pattern gives meaning to, escaped so a module name matches only itself. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * TRL's `lora_target_modules` for our targets. TRL 1.13's `ModelConfig` turns a one-element list into a
 * string, which PEFT reads as a regex matched against the whole module path (`"q_proj"` would match no
 * module), so a single target is written as the regex of PEFT's suffix rule; "all-linear" is PEFT's
 * shorthand as a string already, and two or more names stay a list (PEFT's suffix rule applies).
 *
 * ```text
 * ["q_proj", "v_proj"] → ["q_proj", "v_proj"]     ["all-linear"] → ["all-linear"]
 * ["q_proj"]           → ["(.*\.)?q_proj"]          (matches "q_proj" and "….q_proj", as PEFT's list rule)
 * ```
 *
 * @example
 * ```ts
 * trlTargetModules(["self_attn.q_proj"]); // ["(.*\\.)?self_attn\\.q_proj"]
 * ```
 */
export function trlTargetModules(targets: readonly string[]): string[] {
  if (isAllLinear(targets)) return ["all-linear"];
  const unique = [...new Set(targets)];
  return unique.length === 1 ? [`(.*\\.)?${escapeRegex(unique[0]!)}`] : unique;
}

/**
 * The TRL 1.13 `ModelConfig` fields that make `trl dpo|kto` train the LoRA adapter `apo train --lora*`
 * trains: PEFT on, rank, alpha, targets, rsLoRA, and dropout 0 (TRL's default is 0.05; ours is always 0).
 * The reference model is then the base with the adapter disabled, as ours is.
 *
 * ```text
 * use_peft: true, lora_r: r, lora_alpha: alpha, lora_dropout: 0, lora_target_modules: […], use_rslora: bool
 * ```
 *
 * @throws ExportTrlError naming `lora.alpha` when it is not an integer (TRL's `lora_alpha` is an int field)
 * @example
 * ```ts
 * trlPeftFields({ r: 16, alpha: 32, targets: ["q_proj", "v_proj"] });
 * // { use_peft: true, lora_r: 16, lora_alpha: 32, lora_dropout: 0, lora_target_modules: ["q_proj", "v_proj"], use_rslora: false }
 * ```
 */
export function trlPeftFields(lora: LoraConfig): TrlConfig {
  if (!Number.isInteger(lora.alpha)) {
    throw new ExportTrlError(
      "lora.alpha",
      lora.alpha,
      "an integer: TRL 1.13's ModelConfig.lora_alpha is an int and refuses a fraction",
    );
  }
  return {
    use_peft: true,
    lora_r: lora.r,
    lora_alpha: lora.alpha,
    lora_dropout: 0,
    lora_target_modules: trlTargetModules(lora.targets),
    use_rslora: lora.rsLora === true,
  };
}
