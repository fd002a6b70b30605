import type { FloatType } from "../models/model-family.js";
import type { GraphBuilder } from "../onnx/builder.js";
import { type LoraConfig, loraAName, loraBName, loraScale } from "./lora-config.js";
import type { LoraModule } from "./lora-modules.js";

/**
 * Name of the scalar graph input that multiplies every adapter's scale s: feed 1 for the adapted model, 0
 * for the base model (the reference, TRL's PEFT trick: no second copy of the model).
 */
export const LORA_SCALE_INPUT = "lora_scale";

/** The graph values of one wrapped layer's adapter: A [r, in], B [out, r] and the scale value s·lora_scale. */
export interface LoraAdapterValues {
  readonly a: string;
  readonly b: string;
  readonly scale: string;
}

const registries = new WeakMap<GraphBuilder, Map<string, LoraAdapterValues>>();

/**
 * Declare the LoRA adapters of `modules` in the graph built in `g`: A and B of each module become graph
 * inputs named as PEFT names them (`loraAName`/`loraBName`), plus the scalar input {@link LORA_SCALE_INPUT},
 * and `linear`/`conv1d` on a wrapped module's base weight then add the low-rank term. Call before the
 * model's forward is emitted. Returns the adapter input names in order (A then B per module).
 *
 * ```text
 * y = base(x) + ((x·Aᵀ) · (s · lora_scale))·Bᵀ,   s = loraScale(config)
 * ```
 *
 * @example
 * ```ts
 * const inputs = declareLoraAdapters(g, config, loraModules(model, config.targets), "float32");
 * // then familyOf(model.config).buildLogits(g, …): every q_proj/v_proj gains its adapter
 * ```
 */
export function declareLoraAdapters(
  g: GraphBuilder,
  config: LoraConfig,
  modules: readonly LoraModule[],
  dtype: FloatType,
): string[] {
  const registry = new Map<string, LoraAdapterValues>();
  const switchValue = g.input(LORA_SCALE_INPUT, dtype, []);
  const scale = g.op("Mul", [g.scalar(loraScale(config), dtype), switchValue]);
  const names: string[] = [];
  for (const m of modules) {
    const a = g.input(loraAName(m.module), dtype, [config.r, m.inFeatures]);
    const b = g.input(loraBName(m.module), dtype, [m.outFeatures, config.r]);
    registry.set(m.baseWeight, { a, b, scale });
    names.push(a, b);
  }
  registries.set(g, registry);
  return names;
}

/**
 * The adapter declared for the dense layer whose base weight is `baseWeight`, if any (consulted by
 * `linear` and `conv1d`).
 *
 * @example
 * ```ts
 * loraAdapterOf(g, "model.layers.0.self_attn.q_proj.weight")?.a; // "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
 * ```
 */
export function loraAdapterOf(g: GraphBuilder, baseWeight: string): LoraAdapterValues | undefined {
  return registries.get(g)?.get(baseWeight);
}
