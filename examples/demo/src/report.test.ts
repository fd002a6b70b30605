import type { ContrastivenessReport } from "@clair/metrics";
import { describe, expect, it } from "vitest";
import { OBJECTIVES, type ObjectiveName } from "./align.js";
import { checkClaims } from "./claims.js";
import { DATASET_NAMES, type DatasetName } from "./datasets.js";
import { reportMarkdown } from "./report.js";
import type { CellResult, DemoResults } from "./results.js";
import { checkpointChange } from "./stats.js";

const N = 1000;
/** Per-prompt outcomes with `right` of N prompts correct. */
const outcomes = (right: number) => Uint8Array.from({ length: N }, (_, i) => (i < right ? 1 : 0));
const summary = (mean: number) => ({
  count: 100,
  mean,
  std: 1,
  median: mean,
  p10: mean,
  p90: mean,
  min: mean,
  max: mean,
});

/** Results where every cell keeps the starting accuracy unless `change` says otherwise. */
function results(change: (d: DatasetName, o: ObjectiveName) => number = () => 0, smoke = false): DemoResults {
  const before = outcomes(400);
  const cells: CellResult[] = DATASET_NAMES.flatMap((dataset) =>
    (Object.keys(OBJECTIVES) as ObjectiveName[]).map((objective) => {
      const right = 400 + change(dataset, objective);
      return {
        dataset,
        objective,
        change: checkpointChange(before, [outcomes(right), outcomes(right)]),
        trajectory: [
          {
            step: 0,
            epoch: 0,
            chosenLogp: -2,
            rejectedLogp: -5,
            chosenReward: 0,
            rejectedReward: 0,
            rewardAccuracy: 0,
          },
        ],
        finalRewards: { chosen: [0, 0, 0], rejected: [0, 0, 0] },
      };
    }),
  ).map((cell) => ({
    ...cell,
    trainer: {
      maxChange: cell.change.maxDelta,
      meanChange: cell.change.meanDelta,
      bestEpoch: cell.change.bestEpoch,
    },
  }));
  const contrast = (jaccard: number): ContrastivenessReport => ({
    count: 100,
    identical: 0,
    invalid: 0,
    jaccard: summary(jaccard),
    levenshtein: summary(100 - jaccard),
    lengthRatio: summary(1),
  });
  return {
    smoke,
    config: { seed: 1 },
    evalPrompts: N,
    accuracyBefore: 0.4,
    seBefore: Math.sqrt((0.4 * 0.6) / N),
    otherModels: [{ model: "M′", accuracy: 0.1 }],
    datasets: DATASET_NAMES.map((name, i) => ({
      dataset: { name, file: "", pairs: [], rejectedRows: 0, rejectedByReason: {} },
      contrast: contrast(80 - 10 * i),
      trainPairs: 90,
      heldOutPairs: 10,
      chosenCorrect: name === "Off-policy judge" ? 0.1 : 1,
      modelCorrect: 0.4,
      chosenBeatsModel: 0.5,
      anchors: {
        pairs: 90,
        zero: 40,
        down: 30,
        tie: 20,
        handZero: 45,
        agreement: 0.6,
        decidedAgreement: 54 / 70,
        file: "",
      },
    })),
    cells,
    epochEvalReport: "epoch-evals.md",
    seconds: 1,
  };
}

describe("the report", () => {
  it("claims nothing when every cell keeps the starting accuracy", () => {
    const r = results();
    const text = reportMarkdown(r);
    expect(text).toContain("No cell beats the starting accuracy");
    expect(text).not.toMatch(/raised|lowered/);
    const accuracyClaims = checkClaims(r).filter((c) => !c.where.includes("Table 1"));
    for (const c of accuracyClaims) expect(c.verdict, c.claim).not.toBe("holds");
    expect(accuracyClaims.filter((c) => c.verdict === "does not hold")).toEqual([]);
  });

  it("says a claim holds only beyond two standard errors", () => {
    const r = results((d, o) => (d === "CLAIR" && o === "APO-zero" ? 100 : 0));
    const headline = checkClaims(r)[0];
    expect(headline?.verdict).toBe("holds");
    expect(reportMarkdown(r)).toContain("CLAIR × APO-zero +10.0 ± ");
    const small = checkClaims(results((d, o) => (d === "CLAIR" && o === "APO-zero" ? 2 : 0)))[0];
    expect(small?.verdict).toBe("within noise");
  });

  it("names APO-down's drop as the paper's prediction where the winners beat the model", () => {
    const r = results((_d, o) => (o === "APO-down" ? -100 : 0));
    const text = reportMarkdown(r);
    expect(text).toContain("APO-down's drop on CLAIR (−10.0 points) is what the paper predicts");
    // Off-policy judge's winners are worse than the model: no such sentence for it.
    expect(text).not.toContain("APO-down's drop on Off-policy judge");
  });

  it("makes no claim in a smoke run", () => {
    const text = reportMarkdown(results((d, o) => (d === "CLAIR" && o === "APO-zero" ? 100 : 0), true));
    expect(text).toContain("Smoke run");
    expect(text).not.toMatch(/\bbest\b|headline|\bholds\b/i);
    expect(text).not.toContain("## The paper's claims");
  });
});
