import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { PairedBatch, UnpairedBatch } from "../batch.js";
import { computeBatchMeans, noBatchMeans } from "../batch-means.js";
import type {
  BatchMeans,
  LossDefinition,
  PairedLossDefinition,
  PairedTerms,
  UnpairedLossDefinition,
} from "../definition.js";
import { numberMath } from "../math/number-math.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { runUnpairedLoss } from "../run-unpaired-loss.js";
import { centralDifference, relativeError, seededRandom } from "../testing/finite-differences.js";
import { DEPRECATED_LOSS_NAMES, LOSSES } from "./index.js";

const folder = fileURLToPath(new URL(".", import.meta.url));
const files = readdirSync(folder).filter(
  (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "index.ts",
);
const registered = new Set<unknown>(Object.values(LOSSES));

function isDefinition(value: unknown): value is LossDefinition {
  return (
    typeof value === "object" && value !== null && "kind" in value && "terms" in value && "name" in value
  );
}

describe("loss registry", () => {
  it.each(files)("%s is registered in LOSSES", async (file) => {
    const module: Record<string, unknown> = await import(/* @vite-ignore */ `./${file}`);
    const definitions = Object.values(module).filter(isDefinition);
    expect(definitions.length, `${file} exports no loss definition`).toBeGreaterThan(0);
    for (const definition of definitions) {
      expect(
        registered.has(definition),
        `add \`${definition.name}\` to LOSSES in src/losses/index.ts (defined in ${file})`,
      ).toBe(true);
    }
  });

  it("keys are the definitions' TRL names and file names follow them", () => {
    const aliases: Record<string, string> = DEPRECATED_LOSS_NAMES;
    for (const [key, definition] of Object.entries(LOSSES)) {
      const target = aliases[key];
      if (target !== undefined) {
        // A deprecated alias is the very definition of its TRL name.
        expect(definition).toBe(LOSSES[target as keyof typeof LOSSES]);
        continue;
      }
      expect(definition.name).toBe(key);
      expect(files).toContain(`${key.replaceAll("_", "-")}.ts`);
    }
  });

  it("has every loss_type of TRL 1.13's DPOTrainer, KTOTrainer and CPOTrainer under its TRL name", () => {
    const trl = [
      ...["sigmoid", "hinge", "ipo", "sigmoid_norm", "exo_pair", "nca_pair", "robust", "bco_pair"],
      ...["sppo_hard", "aot", "aot_unpaired", "apo_zero", "apo_down", "discopop", "sft"],
      ...["kto", "apo_zero_unpaired", "simpo"],
    ];
    for (const name of trl) {
      expect(Object.hasOwn(LOSSES, name), name).toBe(true);
      expect(LOSSES[name as keyof typeof LOSSES].name).toBe(name);
    }
  });
});

// Each definition once (a deprecated alias is the same object as its TRL name).
const all: readonly LossDefinition[] = [...new Set<LossDefinition>(Object.values(LOSSES))];
const paired = all.filter((d): d is PairedLossDefinition => d.kind === "paired");
const unpaired = all.filter((d): d is UnpairedLossDefinition => d.kind === "unpaired");
const PAIRED_FIELDS = ["policyChosen", "policyRejected"] as const;

function randomPairs(seed: number, n: number): Record<string, Float64Array> {
  const rand = seededRandom(seed);
  const xs: Record<string, Float64Array> = {
    policyChosen: new Float64Array(n),
    policyRejected: new Float64Array(n),
    referenceChosen: new Float64Array(n),
    referenceRejected: new Float64Array(n),
    chosenLength: new Float64Array(n),
    rejectedLength: new Float64Array(n),
    anchorDown: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    // Per-pair anchors (read by apo_anchored only): the two ends and values between.
    (xs.anchorDown as Float64Array)[i] = i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : rand();
    (xs.chosenLength as Float64Array)[i] = 1 + Math.floor(rand() * 40);
    (xs.rejectedLength as Float64Array)[i] = 1 + Math.floor(rand() * 40);
    const c = -1 - rand() * 60;
    const r = -1 - rand() * 60;
    (xs.policyChosen as Float64Array)[i] = c;
    (xs.policyRejected as Float64Array)[i] = r;
    (xs.referenceChosen as Float64Array)[i] = c + (rand() - 0.5) * 20;
    (xs.referenceRejected as Float64Array)[i] = r + (rand() - 0.5) * 20;
  }
  return xs;
}

/** Pairs whose reward margins are huge (|β·z| up to 1e4 at β = 0.1) and average log-probs near 0. */
function extremePairs(): Record<string, Float64Array> {
  const rows = [
    // c, r, c0, r0, ℓc, ℓr, anchorDown
    [-1, -1e5, -1e5, -1, 1, 1, 0],
    [-1e5, -1, -1, -1e5, 1, 1, 1],
    [-1, -9000, -8001, -1, 3, 2, 0.5],
    [-8001, -1, -1, -9000, 2, 3, 1],
    [-2e-9, -600, -50, -40, 1, 1, 0.25],
    [-700, -3e-9, -40, -50, 2, 1, 0],
    [-1e-7, -1e-6, -1e-7, -1e-6, 7, 9, 0.9],
    [-4000, -4000.5, -20, -20, 1, 1, 1],
  ];
  const field = (k: number) => Float64Array.from(rows, (row) => row[k] as number);
  return {
    policyChosen: field(0),
    policyRejected: field(1),
    referenceChosen: field(2),
    referenceRejected: field(3),
    chosenLength: field(4),
    rejectedLength: field(5),
    anchorDown: field(6),
  };
}

function pairedBatch(xs: Record<string, Float64Array>): PairedBatch {
  return {
    policyChosen: xs.policyChosen as Float64Array,
    policyRejected: xs.policyRejected as Float64Array,
    referenceChosen: xs.referenceChosen as Float64Array,
    referenceRejected: xs.referenceRejected as Float64Array,
    chosenLength: xs.chosenLength as Float64Array,
    rejectedLength: xs.rejectedLength as Float64Array,
    anchorDown: xs.anchorDown as Float64Array,
  };
}

/** Example i of a batch as a definition sees it. */
function termsAt(
  definition: PairedLossDefinition,
  xs: Record<string, Float64Array>,
  i: number,
): PairedTerms<number> {
  const at = (field: string) => (xs[field] as Float64Array)[i] as number;
  return {
    policyChosen: at("policyChosen"),
    policyRejected: at("policyRejected"),
    referenceChosen: at("referenceChosen"),
    referenceRejected: at("referenceRejected"),
    chosenLength: at("chosenLength"),
    rejectedLength: at("rejectedLength"),
    anchorDown: definition.usesAnchorDown ? at("anchorDown") : 0,
  };
}

function meansOf(xs: Record<string, Float64Array>): BatchMeans<number> {
  const f = (name: string) => xs[name] as Float64Array;
  return computeBatchMeans(
    [],
    f("policyChosen"),
    f("policyRejected"),
    f("referenceChosen"),
    f("referenceRejected"),
    f("chosenLength"),
    f("rejectedLength"),
  );
}

/**
 * What each gradient is the derivative of, by coupling: example i's own loss (separable losses; the
 * others' only add round-off), the batch's summed loss (AOT's sorting and batch means couple examples), or
 * example i's loss with the batch means held at their values (detached means are constants).
 */
function expectPairedGradientsMatch(
  definition: PairedLossDefinition,
  xs: Record<string, Float64Array>,
  given: Record<string, number> = {},
): void {
  const params = { ...(definition.defaults as Record<string, number>), ...given };
  const result = runPairedLoss(definition, pairedBatch(xs), params);
  const n = result.losses.length;
  const frozen = meansOf(xs);
  for (const field of PAIRED_FIELDS) {
    const grads = field === "policyChosen" ? result.gradChosen : result.gradRejected;
    for (let i = 0; i < n; i++) {
      const f = (ys: Record<string, Float64Array>) => {
        if (definition.coupling === "detached-batch-means") {
          return definition.terms(numberMath, termsAt(definition, ys, i), params, frozen).loss;
        }
        const losses = runPairedLoss(definition, pairedBatch(ys), params).losses;
        return definition.coupling === "none" ? (losses[i] as number) : losses.reduce((a, b) => a + b, 0);
      };
      const fd = centralDifference(f, xs, field, i, definition.negativeLogProbs);
      const analytic = grads[i] as number;
      expect(Number.isFinite(analytic), `${definition.name} ${field}[${i}] finite`).toBe(true);
      expect(
        relativeError(analytic, fd),
        `${definition.name}: ∂/∂${field}[${i}] analytic ${analytic} vs finite difference ${fd}`,
      ).toBeLessThanOrEqual(1e-6);
    }
  }
}

/**
 * Parameters away from the defaults, so that the branches the defaults skip (ε > 0, a fixed anchor, no NLL
 * term, …) are checked against finite differences too.
 */
const VARIANTS: Readonly<Record<string, ReadonlyArray<Record<string, number>>>> = {
  sigmoid: [{ cdpoLabelSmoothing: 0.15 }],
  robust: [{ labelSmoothing: 0.2 }],
  exo_pair: [{ labelSmoothing: 0.2 }],
  aot: [{ labelSmoothing: 0.2 }],
  aot_unpaired: [{ labelSmoothing: 0.2 }],
  discopop: [{ tau: 0.3 }],
  bco_pair: [{ delta: 0.3 }],
  cpo: [{ labelSmoothing: 0.1, cpoAlpha: 0 }, { cpoAlpha: 0.5 }],
  simpo: [
    { labelSmoothing: 0.1, cpoAlpha: 0 },
    { gamma: 1, cpoAlpha: 2 },
  ],
  kto_pair: [{ batchAnchor: 0, referencePoint: 0.7 }],
};

describe.each(paired.map((d) => [d.name, d] as const))("paired loss %s", (_name, definition) => {
  it("gradients equal central finite differences at random points", () => {
    for (const seed of [1, 2, 3]) expectPairedGradientsMatch(definition, randomPairs(seed, 6));
  });

  it.each(VARIANTS[definition.name] ?? [{ beta: 0.7 }])(
    "gradients equal central finite differences with parameters %o",
    (given) => {
      for (const seed of [4, 5]) expectPairedGradientsMatch(definition, randomPairs(seed, 6), given);
    },
  );

  it("is finite, with gradients equal to finite differences, at extreme points", () => {
    const xs = extremePairs();
    const result = runPairedLoss(definition, pairedBatch(xs));
    for (const arr of [result.losses, result.gradChosen, result.gradRejected, result.chosenRewards]) {
      for (const v of arr) expect(Number.isFinite(v)).toBe(true);
    }
    expect(Number.isFinite(result.loss)).toBe(true);
    expectPairedGradientsMatch(definition, xs);
  });

  it("the compiled kernel (or the batch-means loop) computes exactly what interpreting the definition does", () => {
    const xs = randomPairs(21, 7);
    const result = runPairedLoss(definition, pairedBatch(xs));
    if (definition.coupling === "sorted-margins" || definition.coupling === "sorted-log-ratios") return;
    const means = definition.coupling === "none" ? noBatchMeans<number>(definition.name) : meansOf(xs);
    for (let i = 0; i < 7; i++) {
      const out = definition.terms(numberMath, termsAt(definition, xs, i), definition.defaults, means);
      expect(result.losses[i]).toBe(out.loss);
      expect(result.gradChosen[i]).toBe(out.gradChosen);
      expect(result.gradRejected[i]).toBe(out.gradRejected);
    }
  });

  it("loss is the mean of the per-example losses and rewards are β·Δ (or β·c)", () => {
    const xs = randomPairs(9, 5);
    const result = runPairedLoss(definition, pairedBatch(xs));
    const mean = result.losses.reduce((a, b) => a + b, 0) / result.losses.length;
    expect(result.loss).toBeCloseTo(mean, 12);
    const beta = (definition.defaults as { beta: number }).beta;
    const c = xs.policyChosen as Float64Array;
    const c0 = xs.referenceChosen as Float64Array;
    const lc = xs.chosenLength as Float64Array;
    const expected =
      definition.rewards === "log-ratio"
        ? beta * ((c[0] as number) - (c0[0] as number))
        : definition.rewards === "log-prob"
          ? beta * (c[0] as number)
          : (beta * (c[0] as number)) / (lc[0] as number);
    expect(result.chosenRewards[0]).toBeCloseTo(expected, 12);
  });
});

function randomUnpaired(seed: number, n: number): Record<string, Float64Array> {
  const rand = seededRandom(seed);
  const policy = Float64Array.from({ length: n }, () => -1 - rand() * 60);
  return { policy, reference: policy.map((p) => p + (rand() - 0.5) * 30) };
}

describe.each(unpaired.map((d) => [d.name, d] as const))("unpaired loss %s", (_name, definition) => {
  const label = [true, false, true, false, false, true];
  const batchOf = (xs: Record<string, Float64Array>): UnpairedBatch => ({
    policy: xs.policy as Float64Array,
    reference: xs.reference as Float64Array,
    label,
    kl: 0.7,
  });

  it("gradients equal central finite differences at random and extreme points", () => {
    const extreme = {
      policy: Float64Array.from([-1, -1e5, -3e-9, -9000, -5, -1]),
      reference: Float64Array.from([-1e5, -1, -800, -1, -5, -2e4]),
    };
    for (const xs of [randomUnpaired(4, 6), randomUnpaired(5, 6), extreme]) {
      const result = runUnpairedLoss(definition, batchOf(xs));
      for (let i = 0; i < label.length; i++) {
        const own = (ys: Record<string, Float64Array>) =>
          runUnpairedLoss(definition, batchOf(ys)).losses[i] as number;
        const fd = centralDifference(own, xs, "policy", i);
        expect(Number.isFinite(result.grad[i])).toBe(true);
        expect(
          relativeError(result.grad[i] as number, fd),
          `${definition.name} ∂/∂policy[${i}]`,
        ).toBeLessThanOrEqual(1e-6);
      }
    }
  });
});
