import { readFileSync } from "node:fs";
import { InferenceSession } from "onnxruntime-node";
import { addGradients } from "../src/autodiff/gradient.js";
import { emitCompletionLogProbs } from "../src/logprobs/build-log-prob-graph.js";
import { GraphBuilder } from "../src/onnx/builder.js";
import { decodeModel, encodeModel } from "../src/onnx/protobuf.js";
import { ORACLE_CASES, oracleModel } from "./cases.js";

const model = await oracleModel(ORACLE_CASES.find((c) => c.name === "gpt2")!);
for (const withGrad of [false, true]) {
  const g = new GraphBuilder();
  const { logp } = emitCompletionLogProbs(g, model, { dtype: "float64" });
  const loss = g.op("ReduceSum", [logp, g.int64s([0])], { keepdims: 0 });
  g.output(loss);
  if (withGrad)
    for (const n of addGradients(g, { loss, wrt: [...model.weights.keys()] }).values()) g.output(n);
  for (const level of ["basic", "extended"] as const) {
    await InferenceSession.create(encodeModel(g.toModel()), {
      graphOptimizationLevel: level,
      optimizedModelFilePath: "/tmp/opt.onnx",
    });
    const m = decodeModel(readFileSync("/tmp/opt.onnx"));
    const counts: Record<string, number> = {};
    for (const n of m.graph.nodes)
      counts[`${n.domain}:${n.opType}`] = (counts[`${n.domain}:${n.opType}`] ?? 0) + 1;
    console.log(withGrad, level, JSON.stringify(counts));
  }
}
