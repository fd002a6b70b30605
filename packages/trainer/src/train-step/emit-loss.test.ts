import { LOSSES } from "@apo/losses";
import {
  type LossDefinition,
  type PairedLossDefinition,
  runPairedLoss,
  runUnpairedLoss,
  type UnpairedLossDefinition,
} from "@apo/losses/define";
import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import type { FloatType } from "../models/model-family.js";
import { GraphBuilder } from "../onnx/builder.js";
import { encodeModel } from "../onnx/protobuf.js";
import { emitPairedLoss, emitUnpairedLoss } from "./emit-loss.js";

const all: readonly LossDefinition[] = Object.values(LOSSES);
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
};
const FIELDS = Object.keys(data) as Array<keyof typeof data>;
const B = data.policyChosen.length;

function close(actual: number, expected: number, dtype: FloatType): void {
  const [rel, abs] = dtype === "float64" ? [1e-9, 1e-12] : [2e-4, 2e-5];
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(abs + rel * Math.abs(expected));
}

async function runGraph(g: GraphBuilder, feeds: Record<string, number[] | boolean[]>, dtype: FloatType) {
  const session = await InferenceSession.create(encodeModel(g.toModel()));
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
  it.each([LOSSES.aot, LOSSES.aot_pair].map((d) => [d.name, d] as const))("%s with ties", async (_n, d) => {
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
      { ...x, chosenLength: one, rejectedLength: one },
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
    const dpo = runPairedLoss(LOSSES.sigmoid as PairedLossDefinition, tied, params);
    expect(expected.gradChosen.some((v, i) => Math.abs(v - (dpo.gradChosen[i] as number)) > 1e-6)).toBe(true);
  });
});
