import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../onnx/builder.js";
import { encodeModel } from "../../onnx/protobuf.js";
import { addGradients } from "../gradient.js";
import { ONE_HOT_MAX_ROWS } from "./gather-grad.js";

/**
 * The embedding gradient of Σ Gather(x, ids): row v of dx counts the ids equal to v, exactly (sums of
 * ones stay exact in float32). Enough rows that onnxruntime splits a scatter over its threads.
 */
function embeddingCountGraph(vocab: number, width: number, rows: number) {
  const g = new GraphBuilder();
  const x = g.input("x", "float32", [vocab, width]);
  const ids = g.input("ids", "int64", [rows]);
  const loss = g.op("ReduceSum", [g.op("Gather", [x, ids])], { keepdims: 0 });
  g.output(loss);
  const [dx] = addGradients(g, { loss, wrt: [x] }).values();
  g.output(dx as string);
  return { bytes: encodeModel(g.toModel()), dx: dx as string, nodes: g.graph.nodes.map((n) => n.opType) };
}

describe("gatherGrad under several intra-op threads", () => {
  const [width, rows, distinct] = [384, 8192, 5];
  const cases = [2, 4].flatMap((threads) => [
    { threads, vocab: 64, form: "one-hot product" },
    { threads, vocab: ONE_HOT_MAX_ROWS + 476, form: "scatter" },
  ]);

  it.each(cases)(
    "accumulates every repeated id with $threads threads ($form), the same on every run",
    async ({ threads, vocab, form }) => {
      const { bytes, dx, nodes } = embeddingCountGraph(vocab, width, rows);
      expect(nodes.includes("ScatterElements")).toBe(form === "scatter");
      const session = await InferenceSession.create(bytes, { intraOpNumThreads: threads });
      const ids = BigInt64Array.from({ length: rows }, (_, i) => BigInt(i % distinct));
      const feeds = {
        x: new OrtTensor("float32", new Float32Array(vocab * width), [vocab, width]),
        ids: new OrtTensor("int64", ids, [rows]),
      };
      for (let run = 0; run < 5; run++) {
        const grad = (await session.run(feeds))[dx]?.data as Float32Array;
        const wrongRows = new Set<number>();
        for (let i = 0; i < vocab * width; i++) {
          const v = Math.floor(i / width);
          const want = v < distinct ? Math.ceil((rows - v) / distinct) : 0;
          if (grad[i] !== want) wrongRows.add(v);
        }
        expect([...wrongRows], `run ${run}`).toEqual([]);
      }
      await session.release();
    },
  );
});
