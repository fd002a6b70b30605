import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type AnchorValue, createJudgeAnchorBuilder, runDataset } from "@clair/revise";
import { type Pair, slug } from "./datasets.js";
import { checkerJudge } from "./roles.js";

/** How APO-anchored's anchors came out for one dataset's training pairs, against the old hand rule. */
export interface AnchorCounts {
  /** Training pairs anchored. */
  pairs: number;
  /** Anchored `"zero"` (the chosen answer won both orders), `"down"` (the model's answer did), or tied. */
  zero: number;
  down: number;
  /** A split verdict or the model's answer equal to the chosen one: the builder's default, 0.5. */
  tie: number;
  /** Pairs the hand rule anchored at zero (the chosen answer right and the model's greedy answer wrong). */
  handZero: number;
  /** Share of pairs whose judge anchor equals the hand rule's (a tie never does). */
  agreement: number;
  /** The same share among the pairs the judge decided (zero or down); NaN when it decided none. */
  decidedAgreement: number;
  /** The anchor file `clair anchor`'s builder wrote. */
  file: string;
}

/** The anchors of some pairs: per pair the weight of APO-down, and the counts. */
export interface PairAnchors {
  anchorDown: number[];
  counts: AnchorCounts;
}

/**
 * The demo's first rule for APO-anchored, kept to compare with: APO-zero (0) where the winning answer is
 * right and the model's own greedy answer wrong, APO-down (1) everywhere else.
 * @example handAnchor(true, false); // 0
 */
export function handAnchor(chosenRight: boolean, modelRight: boolean): 0 | 1 {
  return chosenRight && !modelRight ? 0 : 1;
}

/** An anchor as APO-anchored's weight of APO-down: "zero" → 0, "down" → 1, a number as it is. */
export function anchorWeight(anchor: AnchorValue): number {
  return anchor === "zero" ? 0 : anchor === "down" ? 1 : anchor;
}

/**
 * Counts judge anchors (weights) against the hand rule's (0 or 1): how many are 0, 1 or in between, and
 * the share equal to the hand rule's, over all pairs and over the pairs the judge decided.
 *
 * ```text
 * agreement = #{i : judge_i = hand_i} / n      decidedAgreement = the same over {i : judge_i ∈ {0, 1}}
 * ```
 * @example compareAnchors([0, 1, 0.5], [0, 0, 1]); // zero 1, down 1, tie 1, agreement 1/3, decided 1/2
 */
export function compareAnchors(
  judge: readonly number[],
  hand: readonly number[],
): Omit<AnchorCounts, "pairs" | "file"> {
  if (judge.length !== hand.length) throw new Error(`anchors: ${judge.length} judged vs ${hand.length}`);
  let zero = 0;
  let down = 0;
  let same = 0;
  let sameDecided = 0;
  for (const [i, a] of judge.entries()) {
    const equal = a === hand[i];
    if (equal) same += 1;
    if (a === 0 || a === 1) {
      if (a === 0) zero += 1;
      else down += 1;
      if (equal) sameDecided += 1;
    }
  }
  const n = judge.length;
  return {
    zero,
    down,
    tie: n - zero - down,
    handZero: hand.filter((a) => a === 0).length,
    agreement: n === 0 ? Number.NaN : same / n,
    decidedAgreement: zero + down === 0 ? Number.NaN : sameDecided / (zero + down),
  };
}

/**
 * APO-anchored's per-pair anchors from `@clair/revise`'s judge-anchor builder, the library behind
 * `clair anchor`: the checker judge compares each pair's chosen answer with the target model's own greedy
 * answer to the prompt (`response`), in both orders; the chosen answer winning both → `"zero"`, the
 * model's → `"down"`, a split (the checker prefers the first of two equally good answers, so equally good
 * answers split) or identical answers → the builder's default tie, 0.5. Writes the input and the anchored
 * pair file to `dir` as `clair anchor` would, and compares the anchors with {@link handAnchor}'s.
 * @example const { anchorDown, counts } = await judgeAnchors("CLAIR", train, greedyByPrompt, hand, "out/data");
 */
export async function judgeAnchors(
  name: string,
  pairs: readonly Pair[],
  modelAnswer: ReadonlyMap<string, string>,
  hand: readonly number[],
  dir: string,
): Promise<PairAnchors> {
  const input = join(dir, `${slug(name)}.anchor-input.jsonl`);
  const output = join(dir, `${slug(name)}.anchored.jsonl`);
  const rows = pairs.map((p) => ({ ...p, response: modelAnswer.get(p.prompt) ?? "" }));
  await writeFile(input, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const builder = createJudgeAnchorBuilder({ judge: checkerJudge, responseField: "response" });
  const summary = await runDataset({ builder, input, output, concurrency: 1, fsync: false });
  if (summary.rejected > 0)
    throw new Error(
      `${output}: ${summary.rejected} pairs were not anchored (${JSON.stringify(summary.rejectedByReason)})`,
    );
  const byPrompt = new Map<string, number>();
  for (const line of (await readFile(output, "utf8")).split("\n")) {
    if (line.trim() === "") continue;
    const row = JSON.parse(line) as { prompt: string; anchor: AnchorValue };
    byPrompt.set(row.prompt, anchorWeight(row.anchor));
  }
  const anchorDown = pairs.map((p) => {
    const a = byPrompt.get(p.prompt);
    if (a === undefined) throw new Error(`${output}: no anchor for ${JSON.stringify(p.prompt)}`);
    return a;
  });
  return {
    anchorDown,
    counts: { pairs: pairs.length, ...compareAnchors(anchorDown, hand), file: output },
  };
}
