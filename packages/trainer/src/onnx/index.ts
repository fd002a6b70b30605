/**
 * ONNX graph toolkit: an in-memory IR ({@link Model}, {@link Graph}, {@link Node}, {@link Tensor}),
 * protobuf read/write with external data, and a {@link GraphBuilder} that names values, stores
 * constants and infers dtypes/shapes as nodes are added.
 *
 * @example
 * ```ts
 * import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
 * import { GraphBuilder, encodeModel, makeTensor } from "./onnx/index.js";
 *
 * const g = new GraphBuilder({ name: "mlp" }); // ai.onnx opset 18
 * const x = g.input("x", "float32", ["batch", 4]); // symbolic batch dim
 * const w = g.initializer("fc.weight", makeTensor(new Float32Array(4 * 3).fill(0.1), [4, 3]));
 * const b = g.initializer("fc.bias", makeTensor(new Float32Array(3), [3]));
 * const h = g.scoped("fc", () => g.op("Add", [g.op("MatMul", [x, w]), b])); // names "fc/MatMul", "fc/Add"
 * const y = g.op("Tanh", [h]);
 * const [left, right] = g.opN("Split", [y, g.int64s([1, 2])], 2, { axis: -1 }); // multi-output ops
 * const loss = g.op("ReduceMean", [g.op("Mul", [right, right])], { keepdims: 0 }); // no axes: all
 * g.output(left);
 * g.output(loss);
 * g.typeOf(y); // { dtype: "float32", shape: ["batch", 3] }
 *
 * const session = await InferenceSession.create(encodeModel(g.toModel()));
 * const out = await session.run({ x: new OrtTensor("float32", new Float32Array(8), [2, 4]) });
 * ```
 *
 * Attributes: integers become `int`, other numbers (and names like `alpha`, `epsilon`) become `float`;
 * force a float with `floatAttr(1)`. Constants are initializers: `g.constant(data, dims)`,
 * `g.scalar(v, dtype)`, `g.int64s([...])`. Files: `writeModel(path, model, { externalData: {} })`
 * writes `model.onnx` + `model.onnx.data`; `readModel(path)` loads both.
 */
export { type AttributeInput, FLOAT_ATTRIBUTES, floatAttr, toAttribute } from "./attributes.js";
export {
  DEFAULT_IR_VERSION,
  DEFAULT_OPSET,
  GraphBuilder,
  type GraphBuilderOptions,
  type OpOptions,
} from "./builder.js";
export {
  allocateData,
  bytesOfData,
  dataFromBytes,
  dtypeByteSize,
  dtypeFromOnnx,
  dtypeToOnnx,
  isFloatType,
} from "./dtype.js";
export { inlineFunctions } from "./inline-functions.js";
export { readModel, type WriteModelOptions, writeModel } from "./model-file.js";
export {
  type DecodeOptions,
  decodeModel,
  type EncodeOptions,
  type ExternalLocation,
  encodeModel,
} from "./protobuf.js";
export {
  broadcastDim,
  broadcastShapes,
  type InferenceEnv,
  inferNodeTypes,
  reduceAxes,
  SHAPE_INFERENCE,
} from "./shape-inference.js";
export { constantShapeValue, inferShapeValue, type ShapeValueEnv } from "./shape-values.js";
export {
  dtypeOfData,
  fullTensor,
  int64Tensor,
  makeTensor,
  scalarTensor,
  sizeOf,
  tensorToNumbers,
} from "./tensor.js";
export type {
  AttributeValue,
  DataType,
  Dim,
  FunctionDef,
  Graph,
  Model,
  Node,
  OpsetImport,
  Tensor,
  TensorData,
  ValueInfo,
  ValueType,
} from "./types.js";
