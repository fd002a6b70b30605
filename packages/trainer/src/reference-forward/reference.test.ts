import { describe, expect, it } from "vitest";
import { createTinyModel } from "../models/create-tiny-model.js";
import { referenceCompletionLogProb, referenceLogSoftmax } from "./reference-log-probs.js";

describe.each(["llama", "gpt2"] as const)("%s reference forward", (family) => {
  it("gives normalised rows and is causal", async () => {
    const model = await createTinyModel({ family, seed: 21 });
    const ids = [1, 10, 20, 30, 40];
    const full = referenceLogSoftmax(model.config, model.weights, ids);
    for (let r = 0; r < full.rows; r++) {
      let total = 0;
      for (let c = 0; c < full.cols; c++) total += Math.exp(full.data[r * full.cols + c]!);
      expect(total).toBeCloseTo(1, 12);
    }
    // Changing the last token leaves every earlier row unchanged.
    const changed = referenceLogSoftmax(model.config, model.weights, [1, 10, 20, 30, 41]);
    expect(changed.data.subarray(0, 4 * full.cols)).toEqual(full.data.subarray(0, 4 * full.cols));
    expect(changed.data.subarray(4 * full.cols)).not.toEqual(full.data.subarray(4 * full.cols));
  });
  it("sums the completion rows only", async () => {
    const model = await createTinyModel({ family, seed: 22 });
    const ids = [1, 10, 20, 30];
    const rows = referenceLogSoftmax(model.config, model.weights, ids);
    const r = referenceCompletionLogProb(model.config, model.weights, [1, 10], [20, 30]);
    expect(r.tokens).toBe(2);
    expect(r.logp).toBeCloseTo(rows.data[1 * rows.cols + 20]! + rows.data[2 * rows.cols + 30]!, 12);
  });
});
