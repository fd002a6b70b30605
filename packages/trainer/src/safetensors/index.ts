export {
  bfloat16BitsToNumber,
  float16BitsToNumber,
  numberToBfloat16Bits,
  numberToFloat16Bits,
} from "./float-bits.js";
export { readCheckpointWeights, SHARD_INDEX, SINGLE_FILE } from "./read-checkpoint-weights.js";
export { readSafetensors, readSafetensorsFile, type SafetensorsDtype } from "./read-safetensors.js";
export { SafetensorsError } from "./safetensors-error.js";
export { shapeSize, type WeightData, type WeightMap, type WeightTensor } from "./tensor.js";
export { type WriteSafetensorsOptions, writeSafetensors, writeSafetensorsFile } from "./write-safetensors.js";
