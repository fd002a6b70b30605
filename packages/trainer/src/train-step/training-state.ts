import { Tensor as OrtTensor } from "onnxruntime-node";
import type { FloatType } from "../models/model-family.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import type { WeightMap } from "../safetensors/tensor.js";
import { TrainConfigError } from "./train-config-error.js";
import { stateInputName } from "./train-step-graph.js";

/** Weights and optimizer state live in typed arrays of the graph's precision. */
export type FloatArray = Float32Array | Float64Array;

/** What a training session carries from step to step. */
export interface TrainingState {
  /** Current weights by Hugging Face name. */
  weights: Map<string, FloatArray>;
  /** Optimizer state by graph input name (`state/<slot>/<weight>`), zeros at start. */
  state: Map<string, FloatArray>;
  /** Shape of each weight. */
  shapes: Map<string, readonly number[]>;
}

/**
 * Copies a model's trainable weights into arrays of the training precision and zero-fills the optimizer
 * state slots; with `adopt`, weights already in the training precision are taken as they are (no copy: the
 * training then changes the model's own arrays). A LoRA step's trainable weights are its adapters, read from `adapters` (which is looked up
 * before the model's weights).
 * @example const { weights, state } = initialTrainingState(artifact, model);
 */
export function initialTrainingState(
  artifact: { weights: readonly string[]; stateSlots: readonly string[]; dtype: FloatType },
  pretrained: PretrainedModel,
  adapters?: WeightMap,
  adopt = false,
): TrainingState {
  const make = (n: number): FloatArray =>
    artifact.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  const result: TrainingState = { weights: new Map(), state: new Map(), shapes: new Map() };
  for (const name of artifact.weights) {
    const tensor = adapters?.get(name) ?? pretrained.weights.get(name);
    if (tensor === undefined) {
      throw new TrainConfigError("weights", name, `a weight of the model${adapters ? " or adapter" : ""}`);
    }
    const own =
      artifact.dtype === "float64"
        ? tensor.data instanceof Float64Array
        : tensor.data instanceof Float32Array;
    let data: FloatArray;
    if (adopt && own) data = tensor.data as FloatArray;
    else {
      data = make(tensor.data.length);
      data.set(tensor.data as FloatArray);
    }
    result.weights.set(name, data);
    result.shapes.set(name, tensor.shape);
    for (const slot of artifact.stateSlots)
      result.state.set(stateInputName(slot, name), make(tensor.data.length));
  }
  return result;
}

/** An onnxruntime tensor over a float array, without copying. */
export function floatTensor(data: FloatArray, dims: readonly number[]): OrtTensor {
  return data instanceof Float64Array
    ? new OrtTensor("float64", data, dims)
    : new OrtTensor("float32", data, dims);
}

/** A float scalar (or vector with `dims`) in the graph's precision. */
export function floatValues(values: ArrayLike<number>, dtype: FloatType, dims: readonly number[]): OrtTensor {
  return floatTensor(dtype === "float64" ? Float64Array.from(values) : Float32Array.from(values), dims);
}
