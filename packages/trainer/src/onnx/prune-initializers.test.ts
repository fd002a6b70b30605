import { describe, expect, it } from "vitest";
import { GraphBuilder } from "./builder.js";
import { withoutUnusedInitializers } from "./prune-initializers.js";
import { makeTensor } from "./tensor.js";

describe("withoutUnusedInitializers", () => {
  it("leaves out the constants no node reads (onnxruntime would warn about each), keeps inputs", () => {
    const g = new GraphBuilder();
    const x = g.input("x", "float32", [2]);
    const unused = g.scalar(0.1, "float32");
    const weight = g.initializer("w", makeTensor(new Float32Array([1, 2]), [2]), { asInput: true });
    const y = g.op("Mul", [x, g.scalar(2, "float32")]);
    g.output(y);
    const model = g.toModel();
    const pruned = withoutUnusedInitializers(model);
    expect([...pruned.graph.initializers.keys()]).toEqual([weight, "scalar_1"]);
    // The model given is left as it was, and returned as is when nothing is unused.
    expect(model.graph.initializers.has(unused)).toBe(true);
    expect(withoutUnusedInitializers(pruned)).toBe(pruned);
  });
});
