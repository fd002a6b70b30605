import { describe, expect, it } from "vitest";
import { openTrainingSession } from "./open-session.js";
import { adamw } from "./optimizers/adamw.js";
import { TrainConfigError } from "./train-config-error.js";
import {
  clippedGradName,
  stateInputName,
  TRAIN_STEP_IO,
  updatedStateName,
  updatedWeightName,
} from "./train-step-graph.js";
import { type FloatArray, floatTensor, floatValues } from "./training-state.js";
import { buildUpdateGraph, UPDATE_WEIGHT } from "./update-graph.js";
import { UPDATE_SLICE, UpdateSession, updateSessionOptions } from "./update-session.js";

/** Deterministic values in [lo, hi) (a linear congruential stream). */
function values(n: number, seed: number, lo: number, hi: number, dtype: "float32" | "float64"): FloatArray {
  const a = dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return a;
}

function sameBits(a: FloatArray, b: FloatArray): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

describe("UpdateSession", () => {
  it.each(["float32", "float64"] as const)(
    "%s: AdamW slice by slice, in place, gives the bits of one run over the whole weight",
    async (dtype) => {
      const config = { ...adamw.defaults, weightDecay: 0.1 };
      const n = 2 * UPDATE_SLICE + 77; // three slices, the last one short
      const weight = values(n, 1, -1, 1, dtype);
      const grad = values(n, 2, -0.01, 0.01, dtype);
      const m = values(n, 3, -0.001, 0.001, dtype);
      const v = values(n, 4, 0, 1e-5, dtype);
      // The whole weight through the same graph in one run.
      const whole = await openTrainingSession(buildUpdateGraph(adamw, config, dtype).model, dtype);
      const out = await whole.run({
        [UPDATE_WEIGHT]: floatTensor(weight, [n]),
        [clippedGradName(UPDATE_WEIGHT)]: floatTensor(grad, [n]),
        [stateInputName("exp_avg", UPDATE_WEIGHT)]: floatTensor(m, [n]),
        [stateInputName("exp_avg_sq", UPDATE_WEIGHT)]: floatTensor(v, [n]),
        [TRAIN_STEP_IO.lr]: floatValues([3e-3], dtype, []),
        [TRAIN_STEP_IO.step]: floatValues([7], dtype, []),
      });
      await whole.release();
      const expected = [
        out[updatedWeightName(UPDATE_WEIGHT)]?.data as FloatArray,
        out[updatedStateName("exp_avg", UPDATE_WEIGHT)]?.data as FloatArray,
        out[updatedStateName("exp_avg_sq", UPDATE_WEIGHT)]?.data as FloatArray,
      ];
      expect(sameBits(expected[0] as FloatArray, weight)).toBe(false); // it moved

      const update = await UpdateSession.open(adamw, config, dtype);
      expect(update.artifact.stateSlots).toEqual(["exp_avg", "exp_avg_sq"]);
      await update.apply(weight, grad, [m, v], 3e-3, 7);
      expect(sameBits(weight, expected[0] as FloatArray)).toBe(true);
      expect(sameBits(m, expected[1] as FloatArray)).toBe(true);
      expect(sameBits(v, expected[2] as FloatArray)).toBe(true);
      await update.release();
    },
  );

  it("opens without spinning threads unless the caller says otherwise, keeping the caller's options", () => {
    expect(updateSessionOptions().extra).toEqual({ session: { "intra_op.allow_spinning": "0" } });
    const theirs = updateSessionOptions({
      intraOpNumThreads: 2,
      extra: {
        session: { "intra_op.allow_spinning": "1", set_denormal_as_zero: "0" },
        optimization: { x: "1" },
      },
    });
    expect(theirs).toEqual({
      intraOpNumThreads: 2,
      extra: {
        session: { "intra_op.allow_spinning": "1", set_denormal_as_zero: "0" },
        optimization: { x: "1" },
      },
    });
  });

  it("refuses state or gradients that do not match the weight, naming them", async () => {
    const update = await UpdateSession.open(adamw, adamw.defaults, "float32");
    const w = new Float32Array(8);
    await expect(update.apply(w, new Float32Array(7), [w, w], 1, 1)).rejects.toMatchObject({
      field: "grad",
    });
    await expect(update.apply(w, w, [w], 1, 1)).rejects.toBeInstanceOf(TrainConfigError);
    await expect(update.apply(w, w, [w, new Float32Array(9)], 1, 1)).rejects.toMatchObject({
      field: "state[1]",
    });
    await update.release();
  });
});
