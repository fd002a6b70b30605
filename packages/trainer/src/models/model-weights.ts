import type { LoraConfig } from "../lora/lora-config.js";
import { declareLoraAdapters } from "../lora/lora-graph.js";
import { loraModules } from "../lora/lora-modules.js";
import type { GraphBuilder } from "../onnx/builder.js";
import { makeTensor } from "../onnx/tensor.js";
import { familyOf } from "./family-of.js";
import { expectSequenceLength } from "./graph-helpers.js";
import { MissingWeightError } from "./model-errors.js";
import type { FloatType } from "./model-family.js";
import type { PretrainedModel } from "./pretrained-model.js";

/**
 * How weights enter a graph: as initializers (the default; frozen models, inference), or also as graph
 * inputs (`trainable`), so a training step can feed updated values. Names are always the HF tensor names.
 */
export interface WeightOptions {
  /**
   * Weights that become graph inputs instead of initializers (`"all"` for every one), to be fed at each
   * run: onnxruntime-node cannot override an initializer that is also a graph input (it drops the feed).
   */
  readonly trainable?: "all" | ReadonlySet<string>;
  /** Precision of weights and activations (default float32; float64 for exact gradient checks). */
  readonly dtype?: FloatType;
  /**
   * The padded sequence length (T) the graph will mostly be fed (default: the model's `maxPositions`,
   * which bounds it). Trainable weights' dense layers use per-sequence products from
   * `PER_SEQUENCE_MIN_LENGTH` (256) tokens and one 2-D Gemm below; any length runs either way.
   */
  readonly expectedSequenceLength?: number;
  /**
   * LoRA adapters on the linear layers `lora.targets` names: their A and B become graph inputs named as
   * PEFT names them, with the scalar input `lora_scale` (1: adapted, 0: the base model); see
   * `declareLoraAdapters`. The base weights stay as `trainable` says (initializers by default).
   */
  readonly lora?: LoraConfig;
}

/**
 * Add the weights a model's forward graph reads to `g` as initializers named like the checkpoint tensors,
 * and return the lookup that family builders call.
 *
 * @example
 * ```ts
 * const weight = addModelWeights(g, model);
 * weight("model.norm.weight"); // "model.norm.weight"
 * ```
 */
export function addModelWeights(
  g: GraphBuilder,
  model: PretrainedModel,
  options: WeightOptions = {},
): (name: string) => string {
  expectSequenceLength(g, options.expectedSequenceLength ?? model.config.maxPositions);
  if (options.lora !== undefined) {
    declareLoraAdapters(
      g,
      options.lora,
      loraModules(model, options.lora.targets),
      options.dtype ?? "float32",
    );
  }
  const specs = familyOf(model.config).weightSpecs(model.config, new Set(model.weights.keys()));
  const added = new Set<string>();
  for (const spec of specs) {
    const t = model.weights.get(spec.name);
    if (!t || !(t.data instanceof Float32Array || t.data instanceof Float64Array)) continue; // validateWeights reports these
    const asInput = options.trainable === "all" || (options.trainable?.has(spec.name) ?? false);
    if (asInput) {
      g.input(spec.name, options.dtype ?? "float32", t.shape);
    } else {
      g.initializer(spec.name, makeTensor(asFloatArray(t.data, options.dtype ?? "float32"), t.shape));
    }
    added.add(spec.name);
  }
  return (name) => {
    if (!added.has(name)) throw new MissingWeightError(name, model.source ?? "<memory>");
    return name;
  };
}

/**
 * A float weight's values as the graph's precision: the array itself when it already is, else a copy
 * (float32 weights widen exactly; float64 ones round to nearest float32).
 *
 * @example
 * ```ts
 * asFloatArray(new Float32Array([1]), "float64"); // Float64Array [1]
 * ```
 */
export function asFloatArray(
  data: Float32Array | Float64Array,
  dtype: FloatType,
): Float32Array | Float64Array {
  if (dtype === "float64") return data instanceof Float64Array ? data : Float64Array.from(data);
  return data instanceof Float32Array ? data : Float32Array.from(data);
}
