import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ORACLE_CASES, oracleCoefficients, oracleModel, oracleRows } from "../oracle/cases.js";
import type { OracleFixture } from "../oracle/fixture.js";
import { type LossGradients, lossGradients } from "../oracle/loss-gradients.js";
import { STEP_CASES, stepModelCase } from "../oracle/step-cases.js";
import { trainSteps } from "../oracle/train-steps.js";

/**
 * Hugging Face transformers (PyTorch, float64, on a GPU machine) computed these log-probs and weight
 * gradients with `oracle/transformers_oracle.py`; `oracle/compare.ts --fixture` recorded them. Here our
 * onnxruntime graphs must reproduce them: to rounding in float64, and within float32 rounding in float32.
 */
const fixture = JSON.parse(
  await readFile(new URL("fixtures/transformers-oracle.json", import.meta.url), "utf8"),
) as OracleFixture;

/** Tolerances per dtype: logp relative; gradient samples as a fraction of the tensor's L2 norm. */
const TOLERANCE = {
  // GPT-2 is the loosest: onnxruntime's double LayerNormalization kernel is good to about 1e-13.
  float64: { logp: 1e-11, grad: 1e-9, norm: 1e-10 },
  float32: { logp: 2e-6, grad: 5e-5, norm: 2e-5 },
} as const;

function expectAgreement(name: string, ours: LossGradients, dtype: keyof typeof TOLERANCE): void {
  const ref = fixture.cases[name]!;
  const tol = TOLERANCE[dtype];
  expect(ours.tokens).toEqual(ref.tokens);
  ours.logp.forEach((v, b) => {
    expect(Math.abs(v / ref.logp[b]! - 1), `${name} logp[${b}]`).toBeLessThan(tol.logp);
  });
  expect([...ours.grads.keys()].sort()).toEqual(Object.keys(ref.grads).sort());
  for (const [tensor, { indices, values, norm }] of Object.entries(ref.grads)) {
    const g = ours.grads.get(tensor)!;
    expect(norm, `${tensor} gradient norm`).toBeGreaterThan(0);
    expect(Math.abs(Math.hypot(...g) / norm - 1), `${name} ${tensor} norm`).toBeLessThan(tol.norm);
    indices.forEach((i, k) => {
      expect(Math.abs(g[i]! - values[k]!) / norm, `${name} ${tensor}[${i}]`).toBeLessThan(tol.grad);
    });
  }
}

describe("agreement with Hugging Face transformers (recorded float64 reference)", () => {
  const cases = ORACLE_CASES.filter((c) => !("dir" in c.model) || existsSync(c.model.dir));

  it("the fixture covers every oracle case", () => {
    expect(Object.keys(fixture.cases).sort()).toEqual(ORACLE_CASES.map((c) => c.name).sort());
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    "%s: log-probs and every weight gradient, float64 and float32, weights as initializers and as inputs",
    async (name, c) => {
      const model = await oracleModel(c);
      const rows = oracleRows(c, model.config.vocabSize);
      const coefficients = oracleCoefficients(rows.length);
      for (const dtype of ["float64", "float32"] as const) {
        for (const weights of ["initializers", "inputs"] as const) {
          expectAgreement(name, await lossGradients(model, rows, coefficients, dtype, weights), dtype);
        }
      }
    },
  );
});

describe("training steps agree with transformers + torch.optim (recorded float64 reference)", () => {
  it("the fixture covers every step case", () => {
    expect(Object.keys(fixture.steps).sort()).toEqual(STEP_CASES.map((c) => c.name).sort());
  });

  it.each(STEP_CASES.map((c) => [c.name, c] as const))(
    "%s: per-step loss and gradient norm, and the weights after the last step",
    async (name, c) => {
      const ref = fixture.steps[name]!;
      const model = await oracleModel(stepModelCase(c));
      const run = await trainSteps(model, c);
      run.losses.forEach((v, s) => {
        expect(Math.abs(v / ref.losses[s]! - 1), `loss of step ${s + 1}`).toBeLessThan(1e-10);
        expect(
          Math.abs(run.gradNorms[s]! / ref.gradNorms[s]! - 1),
          `grad norm of step ${s + 1}`,
        ).toBeLessThan(1e-10);
      });
      expect([...run.weights.keys()].sort()).toEqual(Object.keys(ref.weights).sort());
      for (const [tensor, { indices, values, updateNorm }] of Object.entries(ref.weights)) {
        expect(updateNorm, `${tensor} moved`).toBeGreaterThan(0);
        const w = run.weights.get(tensor)!;
        indices.forEach((i, k) => {
          expect(Math.abs(w[i]! - values[k]!) / updateNorm, `${tensor}[${i}]`).toBeLessThan(1e-8);
        });
      }
    },
  );
});
