import { InferenceSession, Tensor } from "onnxruntime-node";
import { GraphBuilder } from "../src/onnx/builder.js";
import { encodeModel } from "../src/onnx/protobuf.js";

const n = 64;
const x = Float64Array.from({ length: 4 * n }, (_, i) => 3 + Math.sin(i * 1.7) * 2);
{
  const g = new GraphBuilder();
  const a = g.input("x", "float64", [4 * n]);
  g.output(g.op("Tanh", [a], {}, { outputs: ["y"] }));
  const s = await InferenceSession.create(encodeModel(g.toModel()));
  const y = (await s.run({ x: new Tensor("float64", x, [4 * n]) })).y!.data as Float64Array;
  let e = 0;
  for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(y[i]! / Math.tanh(x[i]!) - 1));
  console.log("tanh rel", e);
  const xs = Float64Array.from({ length: 4 * n }, (_, i) => Math.sin(i * 1.7) * 0.5);
  const y2 = (await s.run({ x: new Tensor("float64", xs, [4 * n]) })).y!.data as Float64Array;
  e = 0;
  for (let i = 0; i < xs.length; i++) e = Math.max(e, Math.abs(y2[i]! / Math.tanh(xs[i]!) - 1));
  console.log("tanh small rel", e);
}
{
  const g = new GraphBuilder();
  const a = g.input("x", "float64", [4, n]);
  const w = g.constant(new Float64Array(n).fill(1), [n]);
  const b = g.constant(new Float64Array(n), [n]);
  g.output(g.op("LayerNormalization", [a, w, b], { axis: -1, epsilon: 1e-5 }, { outputs: ["y"] }));
  const s = await InferenceSession.create(encodeModel(g.toModel()));
  const y = (await s.run({ x: new Tensor("float64", x, [4, n]) })).y!.data as Float64Array;
  let e = 0;
  for (let r = 0; r < 4; r++) {
    const row = x.subarray(r * n, (r + 1) * n);
    const mean = row.reduce((a, b) => a + b, 0) / n;
    const v = row.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    for (let i = 0; i < n; i++)
      e = Math.max(e, Math.abs(y[r * n + i]! - (row[i]! - mean) / Math.sqrt(v + 1e-5)));
  }
  console.log("layernorm abs", e);
}
