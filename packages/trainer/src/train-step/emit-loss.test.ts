import { LOSSES } from "@apo/losses";
import {
  type LossDefinition,
  type PairedLossDefinition,
  runPairedLoss,
  runUnpairedLoss,
  type UnpairedLossDefinition,
  weightedLossSum,
} from "@apo/losses/define";
import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import type { FloatType } from "../models/model-family.js";
import { GraphBuilder } from "../onnx/builder.js";
import { encodeModel } from "../onnx/protobuf.js";
import { withoutUnusedInitializers } from "../onnx/prune-initializers.js";
import { emitPairedLoss, emitUnpairedLoss } from "./emit-loss.js";

// Each definition once (a deprecated alias is the same object as its TRL name).
const all: readonly LossDefinition[] = [...new Set<LossDefinition>(Object.values(LOSSES))];
const paired = all.filter((d): d is PairedLossDefinition => d.kind === "paired");
const unpaired = all.filter((d): d is UnpairedLossDefinition => d.kind === "unpaired");

// Random pairs plus extreme ones: |β·z| up to 1e4, average log-probs near 0 (ORPO), Δ = 0.
const data = {
  policyChosen: [-12.5, -3.25, -40, -1, -1e5, -2e-9, -1e-7, -20, -4000],
  policyRejected: [-15, -9.5, -33, -1e5, -1, -600, -1e-6, -25, -4000.5],
  referenceChosen: [-13, -2, -41.5, -1e5, -1, -50, -1e-7, -20, -20],
  referenceRejected: [-14, -10, -30, -1, -1e5, -40, -1e-6, -25, -20],
  chosenLength: [5, 2, 17, 1, 1, 1, 7, 3, 1],
  rejectedLength: [6, 4, 11, 1, 1, 1, 9, 3, 1],
  // Per-pair anchors (an input of the graph for apo_anchored; the other losses do not read them).
  anchorDown: [0, 1, 0.5, 0.25, 1, 0, 0.9, 0.3, 1],
};
const FIELDS = Object.keys(data) as Array<keyof typeof data>;
const B = data.policyChosen.length;

function close(actual: number, expected: number, dtype: FloatType): void {
  const [rel, abs] = dtype === "float64" ? [1e-9, 1e-12] : [2e-4, 2e-5];
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(abs + rel * Math.abs(expected));
}

async function runGraph(g: GraphBuilder, feeds: Record<string, number[] | boolean[]>, dtype: FloatType) {
  // A loss that ignores a parameter (sft's β) leaves its constant unread: onnxruntime would warn.
  const session = await InferenceSession.create(encodeModel(withoutUnusedInitializers(g.toModel())));
  const ortFeeds: Record<string, OrtTensor> = {};
  for (const [name, values] of Object.entries(feeds)) {
    const numbers = values.map(Number);
    ortFeeds[name] =
      dtype === "float64"
        ? new OrtTensor("float64", Float64Array.from(numbers), [numbers.length])
        : new OrtTensor("float32", Float32Array.from(numbers), [numbers.length]);
  }
  const out = await session.run(ortFeeds);
  return (name: string) => Array.from(out[name]?.data as Float64Array | Float32Array);
}

describe.each(["float64", "float32"] as const)("losses emitted into ONNX (%s) equal @apo/losses", (dtype) => {
  it.each(paired.map((d) => [d.name, d] as const))("%s", async (_name, definition) => {
    const g = new GraphBuilder({ name: definition.name });
    const x = Object.fromEntries(FIELDS.map((f) => [f, g.input(f, dtype, [B])])) as Record<
      keyof typeof data,
      string
    >;
    const out = emitPairedLoss(g, definition, definition.defaults, x, dtype);
    for (const name of [out.losses, out.gradChosen, out.gradRejected, out.mean]) g.output(name);
    const read = await runGraph(g, data, dtype);
    const expected = runPairedLoss(definition, data);
    for (let i = 0; i < B; i++) {
      close(read(out.losses)[i] as number, expected.losses[i] as number, dtype);
      close(read(out.gradChosen)[i] as number, expected.gradChosen[i] as number, dtype);
      close(read(out.gradRejected)[i] as number, expected.gradRejected[i] as number, dtype);
    }
    close(read(out.mean)[0] as number, expected.loss, dtype);
  });

  it.each(unpaired.map((d) => [d.name, d] as const))("%s (unpaired)", async (_name, definition) => {
    const batch = {
      policy: [-10, -12, -1e5, -3, -700],
      reference: [-11, -11, -1, -3, -20],
      label: [true, false, true, false, false],
    };
    const kl = definition.usesKl ? 0.4 : 0;
    const g = new GraphBuilder({ name: definition.name });
    const policy = g.input("policy", dtype, [5]);
    const reference = g.input("reference", dtype, [5]);
    const desirable = g.input("desirable", dtype, [5]);
    const out = emitUnpairedLoss(
      g,
      definition,
      definition.defaults,
      { policy, reference, desirable, kl: g.scalar(kl, dtype) },
      dtype,
    );
    for (const name of [out.losses, out.grad]) g.output(name);
    const read = await runGraph(
      g,
      { policy: batch.policy, reference: batch.reference, desirable: batch.label },
      dtype,
    );
    const expected = runUnpairedLoss(definition, { ...batch, kl });
    for (let i = 0; i < 5; i++) {
      close(read(out.losses)[i] as number, expected.losses[i] as number, dtype);
      close(read(out.grad)[i] as number, expected.grad[i] as number, dtype);
    }
  });
});

describe.each(["float64", "float32"] as const)("AOT's rank coupling in ONNX (%s)", (dtype) => {
  // Ties in both sorted quantities: TopK and the JavaScript sort must both break them by index.
  const tied = {
    policyChosen: [-5, -7, -5, -9, -6, -5],
    policyRejected: [-6, -8, -6, -9.5, -7, -4],
    referenceChosen: [-5, -6, -5, -7, -7, -6],
    referenceRejected: [-6, -7, -6, -9, -8, -5],
  };
  it.each([LOSSES.aot, LOSSES.aot_unpaired].map((d) => [d.name, d] as const))(
    "%s with ties",
    async (_n, d) => {
      const definition = d as PairedLossDefinition;
      const n = tied.policyChosen.length;
      const g = new GraphBuilder();
      const x = Object.fromEntries(
        (Object.keys(tied) as Array<keyof typeof tied>).map((f) => [f, g.input(f, dtype, [n])]),
      ) as Record<keyof typeof tied, string>;
      const one = g.scalar(1, dtype);
      const params = { ...definition.defaults, beta: 0.7 };
      const out = emitPairedLoss(
        g,
        definition,
        params,
        { ...x, chosenLength: one, rejectedLength: one, anchorDown: one },
        dtype,
      );
      for (const name of [out.losses, out.gradChosen, out.gradRejected, out.mean]) g.output(name);
      const read = await runGraph(g, tied, dtype);
      const expected = runPairedLoss(definition, tied, params);
      for (let i = 0; i < n; i++) {
        close(read(out.losses)[i] as number, expected.losses[i] as number, dtype);
        close(read(out.gradChosen)[i] as number, expected.gradChosen[i] as number, dtype);
        close(read(out.gradRejected)[i] as number, expected.gradRejected[i] as number, dtype);
      }
      close(read(out.mean)[0] as number, expected.loss, dtype);
      // A rank-coupled gradient is not the per-example one: some example's gradient differs from DPO's.
      const dpo = runPairedLoss(LOSSES.sigmoid as PairedLossDefinition, tied, { beta: params.beta });
      expect(expected.gradChosen.some((v, i) => Math.abs(v - (dpo.gradChosen[i] as number)) > 1e-6)).toBe(
        true,
      );
    },
  );
});

const pairedOf = (name: keyof typeof LOSSES) => LOSSES[name] as PairedLossDefinition;

describe.each(["float64", "float32"] as const)("batch couplings and loss lists in ONNX (%s)", (dtype) => {
  // Batch means (sft's and the NLL term's token mean, kto_pair's anchors) at non-default parameters, and
  // weighted sums of losses with different couplings (TRL's loss_type list with loss_weights).
  const cases: Array<readonly [string, PairedLossDefinition, Record<string, number>]> = [
    ["kto_pair, fixed anchor", pairedOf("kto_pair"), { beta: 0.3, batchAnchor: 0, referencePoint: 0.7 }],
    [
      "kto_pair, batch anchors, β 0.5",
      pairedOf("kto_pair"),
      { beta: 0.5, batchAnchor: 1, referencePoint: 0 },
    ],
    ["simpo, cpo_alpha 0.5", pairedOf("simpo"), { beta: 2, gamma: 1, labelSmoothing: 0.1, cpoAlpha: 0.5 }],
    ["cpo, cpo_alpha 0", pairedOf("cpo"), { beta: 0.2, labelSmoothing: 0, cpoAlpha: 0 }],
    [
      "sigmoid + 0.5·sft",
      weightedLossSum([
        { definition: pairedOf("sigmoid"), weight: 1 },
        { definition: pairedOf("sft"), weight: 0.5 },
      ]),
      { beta: 0.1 },
    ],
    [
      "apo_zero + 0.3·sft + 2·aot + 0.1·ipo",
      weightedLossSum([
        { definition: pairedOf("apo_zero"), weight: 1 },
        { definition: pairedOf("sft"), weight: 0.3 },
        { definition: pairedOf("aot"), weight: 2 },
        { definition: pairedOf("ipo"), weight: 0.1 },
      ]),
      { beta: 0.2, labelSmoothing: 0.1 },
    ],
    [
      "apo_anchored + 0.5·sft + 0.2·sigmoid, β 0.3",
      weightedLossSum([
        { definition: pairedOf("apo_anchored"), weight: 1 },
        { definition: pairedOf("sft"), weight: 0.5 },
        { definition: pairedOf("sigmoid"), weight: 0.2 },
      ]),
      { beta: 0.3, cdpoLabelSmoothing: 0 },
    ],
  ];
  it.each(cases)("%s", async (_name, definition, params) => {
    const g = new GraphBuilder({ name: "coupled" });
    const x = Object.fromEntries(FIELDS.map((f) => [f, g.input(f, dtype, [B])])) as Record<
      keyof typeof data,
      string
    >;
    const out = emitPairedLoss(g, definition, params, x, dtype);
    for (const name of [out.losses, out.gradChosen, out.gradRejected, out.mean]) g.output(name);
    const read = await runGraph(g, data, dtype);
    const expected = runPairedLoss(definition, data, params);
    for (let i = 0; i < B; i++) {
      close(read(out.losses)[i] as number, expected.losses[i] as number, dtype);
      close(read(out.gradChosen)[i] as number, expected.gradChosen[i] as number, dtype);
      close(read(out.gradRejected)[i] as number, expected.gradRejected[i] as number, dtype);
    }
    close(read(out.mean)[0] as number, expected.loss, dtype);
  });

  it("sft's loss is one scalar per batch and its gradient −1/mean(ℓc) per pair", async () => {
    const g = new GraphBuilder({ name: "sft" });
    const x = Object.fromEntries(FIELDS.map((f) => [f, g.input(f, dtype, [B])])) as Record<
      keyof typeof data,
      string
    >;
    const out = emitPairedLoss(g, pairedOf("sft"), { beta: 0.1 }, x, dtype);
    for (const name of [out.losses, out.gradChosen, out.mean]) g.output(name);
    const read = await runGraph(g, data, dtype);
    const tokens = data.chosenLength.reduce((a, b) => a + b, 0);
    const nll = -data.policyChosen.reduce((a, b) => a + b, 0) / tokens;
    close(read(out.mean)[0] as number, nll, dtype);
    for (let i = 0; i < B; i++) {
      close(read(out.losses)[i] as number, nll, dtype);
      close(read(out.gradChosen)[i] as number, -B / tokens, dtype);
    }
  });
});
