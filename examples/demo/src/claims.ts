import type { ObjectiveName } from "./align.js";
import type { DatasetName } from "./datasets.js";
import type { CellResult, DemoResults } from "./results.js";
import { allOf, type Difference, NOISE_Z, pairedDifference, type Verdict, verdictOf } from "./stats.js";

/** One claim of the paper, checked against the demo's numbers. */
export interface ClaimCheck {
  /** The claim, close to the paper's words. */
  claim: string;
  /** Where the paper makes it. */
  where: string;
  /** What the demo measured, with numbers. */
  measured: string;
  verdict: Verdict | "not tested";
  /** The standard error behind the verdict. */
  noise: string;
}

/** The paper's five objectives (Table 2); APO-anchored is beyond the paper and checked separately. */
export const PAPER_OBJECTIVES: readonly ObjectiveName[] = ["SFT", "DPO", "KTO", "APO-zero", "APO-down"];
const CONTRASTIVE: readonly ObjectiveName[] = ["DPO", "KTO", "APO-zero", "APO-down"];

/** Accuracy points, signed with a real minus sign: `+2.3`, `−0.4`. */
export const points = (x: number): string => `${x < 0 ? "−" : "+"}${Math.abs(100 * x).toFixed(1)}`;
/** A standard error in accuracy points. */
export const sePoints = (se: number): string => `${(100 * se).toFixed(1)}`;
const num = (x: number, digits = 3) => `${x < 0 ? "−" : ""}${Math.abs(x).toFixed(digits)}`;

/** Reads the cells of a run. */
class Cells {
  constructor(readonly r: DemoResults) {}
  get(dataset: DatasetName, objective: ObjectiveName): CellResult | undefined {
    return this.r.cells.find((c) => c.dataset === dataset && c.objective === objective);
  }
  /** The cell with the largest mean change among these objectives (the first on ties). */
  best(
    dataset: DatasetName,
    objectives: readonly ObjectiveName[] = PAPER_OBJECTIVES,
  ): CellResult | undefined {
    let best: CellResult | undefined;
    for (const o of objectives) {
      const c = this.get(dataset, o);
      if (c !== undefined && (best === undefined || c.change.meanDelta > best.change.meanDelta)) best = c;
    }
    return best;
  }
}

/** Mean change of a over b, paired over the evaluation prompts. */
export function cellDifference(a: CellResult, b: CellResult): Difference {
  return pairedDifference(a.change.perPrompt, b.change.perPrompt);
}

const label = (c: CellResult) => `${c.dataset} × ${c.objective}`;
const mean = (c: CellResult) => `${label(c)} ${points(c.change.meanDelta)}`;
const vs = (d: Difference) => `${points(d.diff)} ± ${sePoints(d.se)}`;

/**
 * A claim that `a` beats `b` on mean change in accuracy, for several (a, b): the verdict of all, the
 * noise of the closest comparison.
 */
function beats(
  claim: string,
  where: string,
  comparisons: readonly (readonly [CellResult | undefined, CellResult | undefined])[],
): ClaimCheck {
  const done = comparisons.filter(
    (p): p is readonly [CellResult, CellResult] => p[0] !== undefined && p[1] !== undefined,
  );
  if (done.length === 0)
    return { claim, where, measured: "the cells did not run", verdict: "not tested", noise: "–" };
  const diffs = done.map(([a, b]) => cellDifference(a, b));
  const closest = diffs.reduce((m, d) =>
    Math.abs(d.diff) / (d.se || 1e-12) < Math.abs(m.diff) / (m.se || 1e-12) ? d : m,
  );
  return {
    claim,
    where,
    measured: done.map(([a, b], i) => `${mean(a)} vs ${mean(b)}: ${vs(diffs[i] as Difference)}`).join("; "),
    verdict: allOf(diffs.map(verdictOf)),
    noise: `${sePoints(closest.se)} points (SE of the closest difference)`,
  };
}

/** The mean of aᵢ − bᵢ over held-out pairs, with its paired standard error. */
function rewardGap(a: readonly number[], b: readonly number[]): Difference {
  return pairedDifference(a, b);
}

/**
 * The paper's claims about data (§5.3.1), objectives (§5.3.2) and training dynamics (§5.4, Figure 4),
 * each checked against the demo's numbers: holds or does not hold when the difference exceeds two
 * standard errors, within noise otherwise. Accuracy claims compare mean change over the per-epoch
 * checkpoints (the max over checkpoints is biased upwards by picking the luckiest epoch).
 */
export function checkClaims(r: DemoResults): ClaimCheck[] {
  const cells = new Cells(r);
  const datasets = r.datasets.map((d) => d.dataset.name);
  const others = (name: DatasetName) => datasets.filter((d) => d !== name);
  const out: ClaimCheck[] = [];

  // The headline: CLAIR × APO-zero is the best cell of Table 2.
  const headline = cells.get("CLAIR", "APO-zero");
  const rival = r.cells
    .filter((c) => c !== headline && PAPER_OBJECTIVES.includes(c.objective))
    .reduce<CellResult | undefined>(
      (m, c) => (m === undefined || c.change.meanDelta > m.change.meanDelta ? c : m),
      undefined,
    );
  out.push(
    beats(
      "CLAIR with APO-zero gives the largest improvement of all cells (the paper: +7.65 max, +2.93 mean)",
      "§5.3.1, Table 2",
      [[headline, rival]],
    ),
  );

  // Table 1.
  const byName = new Map(r.datasets.map((d) => [d.dataset.name, d]));
  const clair = byName.get("CLAIR");
  if (clair !== undefined && r.datasets.length > 1) {
    const seOf = (s: { std: number; count: number }) => s.std / Math.sqrt(Math.max(1, s.count));
    const rest = r.datasets.filter((d) => d !== clair);
    const nextJ = rest.reduce((m, d) => (d.contrast.jaccard.mean > m.contrast.jaccard.mean ? d : m));
    const j: Difference = {
      diff: clair.contrast.jaccard.mean - nextJ.contrast.jaccard.mean,
      se: Math.hypot(seOf(clair.contrast.jaccard), seOf(nextJ.contrast.jaccard)),
    };
    out.push({
      claim: "CLAIR's pairs are the most alike (highest Jaccard similarity)",
      where: "§3, Table 1",
      measured: `CLAIR ${clair.contrast.jaccard.mean.toFixed(1)} vs ${nextJ.dataset.name} ${nextJ.contrast.jaccard.mean.toFixed(1)}: ${j.diff < 0 ? "−" : "+"}${Math.abs(j.diff).toFixed(1)}`,
      verdict: verdictOf(j),
      noise: `${j.se.toFixed(1)} (SE of the difference of means)`,
    });
    const nextL = rest.reduce((m, d) => (d.contrast.levenshtein.mean < m.contrast.levenshtein.mean ? d : m));
    const l: Difference = {
      diff: nextL.contrast.levenshtein.mean - clair.contrast.levenshtein.mean,
      se: Math.hypot(seOf(clair.contrast.levenshtein), seOf(nextL.contrast.levenshtein)),
    };
    out.push({
      claim: "CLAIR's pairs are the closest (lowest Levenshtein distance)",
      where: "§3, Table 1",
      measured: `CLAIR ${clair.contrast.levenshtein.mean.toFixed(2)} vs ${nextL.dataset.name} ${nextL.contrast.levenshtein.mean.toFixed(2)} characters`,
      verdict: verdictOf(l),
      noise: `${l.se.toFixed(2)} characters (SE of the difference of means)`,
    });
  }

  // Data (§5.3.1): each dataset with its best objective.
  out.push(
    beats(
      "CLAIR leads to the greatest improvement (each dataset with its best objective)",
      "§5.3.1",
      others("CLAIR").map((d) => [cells.best("CLAIR"), cells.best(d)] as const),
    ),
    beats(
      "The contrast of CLAIR's revisions drives the gain: Stronger preferred (winners from the same stronger model, not revisions) does worse",
      "§5.3.1",
      [[cells.best("CLAIR"), cells.best("Stronger preferred")]],
    ),
  );
  const worstStronger = CONTRASTIVE.map((o) => cells.get("Stronger preferred", o))
    .filter((c): c is CellResult => c !== undefined)
    .reduce<CellResult | undefined>(
      (m, c) => (m === undefined || c.change.meanDelta < m.change.meanDelta ? c : m),
      undefined,
    );
  if (worstStronger !== undefined) {
    const drop: Difference = { diff: -worstStronger.change.meanDelta, se: worstStronger.change.meanSe };
    out.push({
      claim: "Stronger preferred can heavily degrade the model (with contrastive objectives)",
      where: "§5.3.1",
      measured: `worst: ${mean(worstStronger)} ± ${sePoints(worstStronger.change.meanSe)}`,
      verdict: verdictOf(drop),
      noise: `${sePoints(drop.se)} points (SE of the change)`,
    });
  }
  out.push(
    beats("On-policy judge preferences beat off-policy judge ones (each with its best objective)", "§5.3.1", [
      [cells.best("On-policy judge"), cells.best("Off-policy judge")],
    ]),
  );

  // Objectives (§5.3.2).
  const apo: readonly ObjectiveName[] = ["APO-zero", "APO-down"];
  const nonApo: readonly ObjectiveName[] = ["SFT", "DPO", "KTO"];
  out.push(
    beats(
      "APO (its better variant) is the best objective on every dataset but Stronger preferred",
      "§5.3.2",
      others("Stronger preferred").map((d) => [cells.best(d, apo), cells.best(d, nonApo)] as const),
    ),
    beats("On Stronger preferred, SFT beats every contrastive objective", "§5.3.2", [
      [cells.get("Stronger preferred", "SFT"), cells.best("Stronger preferred", CONTRASTIVE)],
    ]),
  );
  const better = r.datasets.filter((d) => d.chosenCorrect > d.modelCorrect).map((d) => d.dataset.name);
  const worse = r.datasets.filter((d) => d.chosenCorrect < d.modelCorrect).map((d) => d.dataset.name);
  const premise = (names: readonly DatasetName[]) =>
    names.map((n) => {
      const d = byName.get(n);
      return d === undefined
        ? n
        : `${n} (winners right ${(100 * d.chosenCorrect).toFixed(0)}% vs the model ${(100 * d.modelCorrect).toFixed(0)}%)`;
    });
  const zeroCheck = beats(
    "APO-zero beats APO-down where the winning answers are better than the model (the paper: CLAIR, on-policy judge)",
    "§4, §5.3.2",
    better.map((d) => [cells.get(d, "APO-zero"), cells.get(d, "APO-down")] as const),
  );
  if (better.length > 0) zeroCheck.measured = `here: ${premise(better).join(", ")}. ${zeroCheck.measured}`;
  out.push(zeroCheck);
  const downCheck = beats(
    "APO-down beats APO-zero where the winning answers are worse than the model (the paper: off-policy judge)",
    "§4, §5.3.2",
    worse.map((d) => [cells.get(d, "APO-down"), cells.get(d, "APO-zero")] as const),
  );
  if (worse.length > 0) downCheck.measured = `here: ${premise(worse).join(", ")}. ${downCheck.measured}`;
  else downCheck.measured = "no dataset here has winning answers worse than the model";
  out.push(downCheck);
  out.push(
    beats(
      "DPO is never the best objective: some other objective beats it on every dataset",
      "§5.4.2",
      datasets.map(
        (d) =>
          [
            cells.best(
              d,
              PAPER_OBJECTIVES.filter((o) => o !== "DPO"),
            ),
            cells.get(d, "DPO"),
          ] as const,
      ),
    ),
  );

  // Training dynamics (§5.4.2, Figure 4): final held-out rewards, paired over held-out pairs.
  const rewardClaim = (claim: string, gaps: readonly { what: string; gap: Difference }[]): ClaimCheck => {
    if (gaps.length === 0)
      return {
        claim,
        where: "§5.4.2, Figure 4",
        measured: "the cells did not run",
        verdict: "not tested",
        noise: "–",
      };
    const closest = gaps.reduce((m, g) =>
      Math.abs(g.gap.diff) / (g.gap.se || 1e-12) < Math.abs(m.gap.diff) / (m.gap.se || 1e-12) ? g : m,
    );
    return {
      claim,
      where: "§5.4.2, Figure 4",
      measured: gaps.map((g) => `${g.what} ${num(g.gap.diff)} ± ${num(g.gap.se)}`).join("; "),
      verdict: allOf(gaps.map((g) => verdictOf(g.gap))),
      noise: `${num(closest.gap.se)} (SE of the closest reward difference, over held-out pairs)`,
    };
  };
  const orderGaps = (hi: ObjectiveName, lo: ObjectiveName) =>
    datasets.flatMap((d) => {
      const a = cells.get(d, hi);
      const b = cells.get(d, lo);
      if (a === undefined || b === undefined) return [];
      return (["chosen", "rejected"] as const).map((side) => ({
        what: `${d}, ${side === "chosen" ? "winning" : "losing"}: ${hi} − ${lo}`,
        gap: rewardGap(a.finalRewards[side], b.finalRewards[side]),
      }));
    });
  out.push(
    rewardClaim(
      "APO-zero ends with the highest rewards (winning and losing), APO-down with the lowest",
      orderGaps("APO-zero", "APO-down"),
    ),
    rewardClaim("DPO's rewards fall between APO-zero's and APO-down's", [
      ...orderGaps("APO-zero", "DPO"),
      ...orderGaps("DPO", "APO-down"),
    ]),
    rewardClaim(
      "Every objective widens the margin between winning and losing rewards",
      datasets.flatMap((d) =>
        (["APO-zero", "APO-down", "DPO"] as const).flatMap((o) => {
          const c = cells.get(d, o);
          return c === undefined
            ? []
            : [{ what: `${d} × ${o}`, gap: rewardGap(c.finalRewards.chosen, c.finalRewards.rejected) }];
        }),
      ),
    ),
  );
  return out;
}

/** Plain sentences about the whole of Table 2, for the top of the findings. */
export function overallFindings(r: DemoResults): string[] {
  const paper = r.cells.filter((c) => PAPER_OBJECTIVES.includes(c.objective));
  const up = paper.filter((c) => verdictOf({ diff: c.change.meanDelta, se: c.change.meanSe }) === "holds");
  const down = paper.filter(
    (c) => verdictOf({ diff: c.change.meanDelta, se: c.change.meanSe }) === "does not hold",
  );
  const maxUp = paper.filter((c) => c.change.maxDelta > NOISE_Z * c.change.maxSe);
  const out: string[] = [];
  out.push(
    up.length === 0
      ? `No cell beats the starting accuracy (${(100 * r.accuracyBefore).toFixed(1)}%) beyond its noise on mean change over the checkpoints.`
      : `${up.length} of the ${paper.length} cells of the paper's objectives beat the starting accuracy (${(100 * r.accuracyBefore).toFixed(1)}%) beyond two standard errors on mean change: ${up.map((c) => `${mean(c)} ± ${sePoints(c.change.meanSe)}`).join(", ")}.`,
  );
  out.push(
    maxUp.length === 0
      ? "No cell's best checkpoint beats the starting accuracy beyond its noise either."
      : `Best checkpoints above the start beyond two standard errors: ${maxUp.map((c) => `${label(c)} ${points(c.change.maxDelta)} ± ${sePoints(c.change.maxSe)} (epoch ${c.change.bestEpoch})`).join(", ")}; a best checkpoint is picked after the fact, so it flatters.`,
  );
  if (down.length > 0) {
    out.push(
      `${down.length} of the ${paper.length} cells of the paper's objectives end below the starting accuracy beyond their noise: ${down.map((c) => `${mean(c)}`).join(", ")}.`,
    );
  }
  // KTO-pair's anchors are the batch's mean rewards clipped at 0: where both stay at or below 0 it is
  // APO-zero (the paper's eq. 9 with KL = 0), and the two runs coincide.
  const same = r.datasets
    .map((d) => d.dataset.name)
    .filter((d) => {
      const kto = r.cells.find((c) => c.dataset === d && c.objective === "KTO");
      const zero = r.cells.find((c) => c.dataset === d && c.objective === "APO-zero");
      return (
        kto !== undefined &&
        zero !== undefined &&
        kto.change.accuracies.every(
          (a, i) => Math.abs(a - (zero.change.accuracies[i] ?? Number.NaN)) < 0.0015,
        )
      );
    });
  if (same.length > 0) {
    out.push(
      `KTO and APO-zero give the same accuracies (within 0.1 point at every checkpoint) on ${same.join(", ")}: KTO-pair anchors each reward on the batch's mean reward clipped at 0, and where those means stay at or below 0 it is APO-zero (the paper's eq. 9 with KL = 0).`,
    );
  }
  // APO-down on data whose winners beat the model: the paper predicts it hurts there.
  for (const d of r.datasets.filter((x) => x.chosenCorrect > x.modelCorrect)) {
    const c = r.cells.find((x) => x.dataset === d.dataset.name && x.objective === "APO-down");
    if (c !== undefined && verdictOf({ diff: c.change.meanDelta, se: c.change.meanSe }) === "does not hold") {
      out.push(
        `APO-down's drop on ${d.dataset.name} (${points(c.change.meanDelta)} points) is what the paper predicts: its winning answers are right ${(100 * d.chosenCorrect).toFixed(0)}% of the time against the model's ${(100 * d.modelCorrect).toFixed(0)}%, and APO-down lowers the likelihood of winners that are better than the model.`,
      );
    }
  }
  return out;
}

/** The per-pair anchor against the better of the two fixed anchors, per dataset (beyond the paper). */
export function anchoredFindings(r: DemoResults): string[] {
  const cells = new Cells(r);
  return r.datasets.flatMap(({ dataset, anchors }) => {
    const anchored = cells.get(dataset.name, "APO-anchored");
    const fixed = cells.best(dataset.name, ["APO-zero", "APO-down"]);
    if (anchored === undefined || fixed === undefined) return [];
    const d = cellDifference(anchored, fixed);
    const v = verdictOf(d);
    const word = v === "holds" ? "beats" : v === "does not hold" ? "falls short of" : "is within noise of";
    return [
      `${dataset.name} (anchors of ${anchors.pairs} pairs: ${anchors.zero} zero, ${anchors.down} down, ${anchors.tie} tied): APO-anchored ${points(anchored.change.meanDelta)} ${word} ${fixed.objective} ${points(fixed.change.meanDelta)} (difference ${vs(d)}).`,
    ];
  });
}
