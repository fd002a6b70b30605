import type { ObjectiveName } from "./align.js";
import { anchoredFindings, checkClaims, overallFindings, points, sePoints } from "./claims.js";
import type { EvalComparison } from "./pairwise-eval.js";
import type { DemoResults } from "./results.js";
import { verdictOf } from "./stats.js";

/** The figure files next to the report. */
export const FIGURE_FILES = {
  figure3: "figure3-gradients.svg",
  figure4: "figure4-dynamics.svg",
  accuracy: "table2-accuracy-by-epoch.svg",
} as const;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Table 1: how alike each dataset's pairs are, and how good its winners are against the model. */
function table1(r: DemoResults): string[] {
  return [
    "## Table 1: the datasets",
    "",
    "Jaccard is over character sets (×100; the answers are digit strings, so whitespace tokens would say little);",
    'Levenshtein is in characters. "Winner right" is the share of pairs whose chosen answer is correct, "model',
    'right" the share whose prompt the model answers correctly (greedy) before alignment, and "winner beats model"',
    "the share where the chosen answer is right and the model's own is wrong.",
    "",
    "| dataset | pairs (train + held out) | filtered out | Jaccard ↑ | Levenshtein ↓ | winner right | model right | winner beats model |",
    "|---|---|---|---|---|---|---|---|",
    ...r.datasets.map((d) => {
      const reasons = Object.entries(d.dataset.rejectedByReason)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ");
      const c = d.contrast;
      return `| ${d.dataset.name} | ${d.trainPairs} + ${d.heldOutPairs} | ${d.dataset.rejectedRows}${reasons ? ` (${reasons})` : ""} | ${c.jaccard.mean.toFixed(1)} | ${c.levenshtein.mean.toFixed(2)} | ${pct(d.chosenCorrect)} | ${pct(d.modelCorrect)} | ${pct(d.chosenBeatsModel)} |`;
    }),
    "",
    `The off-policy judge's answers come from two other tiny Llamas, trained less than the model: ${r.otherModels
      .map((m) => `${m.model}, greedy accuracy ${pct(m.accuracy)}`)
      .join("; ")} (the model: ${pct(r.accuracyBefore)}).`,
    "",
    ...anchorTable(r),
  ];
}

const share = (x: number) => (Number.isNaN(x) ? "–" : pct(x));

/** APO-anchored's anchors per dataset, from `clair anchor`'s builder, against the first hand rule. */
function anchorTable(r: DemoResults): string[] {
  return [
    "### APO-anchored's anchors",
    "",
    "Each training pair's anchor comes from `@clair/revise`'s judge-anchor builder, the library behind `clair",
    "anchor`: the checker judge compares the pair's chosen answer with the model's own greedy answer to the prompt,",
    "in both orders. The chosen answer winning both gives **zero** (APO-zero), the model's answer winning both",
    "**down** (APO-down); a split or identical answers is a **tie**, the builder's default anchor 0.5 (half of each).",
    "The checker prefers the right answer, else the one fewer edits from it, else the first shown, so two equally",
    "good answers split. The demo first chose anchors by a hand rule (zero where the chosen answer is right and the",
    'model\'s wrong, down elsewhere, i.e. the "winner beats model" share above); **agreement** is the share of pairs',
    "where the judge's anchor equals that rule's (a tie never does), and over the pairs the judge decided.",
    "",
    "| dataset | training pairs | zero | down | tie (0.5) | hand rule: zero | agreement | agreement where decided |",
    "|---|---|---|---|---|---|---|---|",
    ...r.datasets.map((d) => {
      const a = d.anchors;
      return `| ${d.dataset.name} | ${a.pairs} | ${a.zero} | ${a.down} | ${a.tie} | ${a.handZero} | ${share(a.agreement)} | ${share(a.decidedAgreement)} |`;
    }),
    "",
  ];
}

/** An estimate and its bootstrap interval, in percent. */
const estimate = (e: { value: number; low: number; high: number }) =>
  Number.isNaN(e.value) ? "–" : `${pct(e.value)} [${pct(e.low)}, ${pct(e.high)}]`;

/** `clair eval`'s library on one cell's last checkpoint against the starting model. */
function checkpointEvalSection(r: DemoResults): string[] {
  const e = r.checkpointEval;
  if (e === undefined) return [];
  const row = (c: EvalComparison) =>
    `| ${c.mode === "judge" ? "checker judge, both orders" : "verifiable answers (checker scores each)"} | ${c.pairs} | ${c.wins} / ${c.ties} / ${c.losses} | ${estimate(c.winRate)} | ${estimate(c.tieRate)} | ${estimate(c.lossRate)} | ${c.candidateAccuracy === undefined ? "–" : `${estimate(c.candidateAccuracy)} vs ${estimate(c.baselineAccuracy ?? { value: Number.NaN, low: 0, high: 0 })}`} |`;
  return [
    `## Did alignment help? \`clair eval\` on ${e.dataset} × ${e.objective}`,
    "",
    `\`@clair/revise\`'s pairwise evaluation (the library behind \`clair eval\`) compares the greedy answers of ${e.dataset} ×`,
    `${e.objective}'s last checkpoint (epoch ${e.epoch}, the cell chosen before training) with the model's before alignment on the`,
    `same ${e.prompts} held-out prompts. In the verifiable-answers mode the checker scores each answer (right and ended: 1,`,
    "else 0; the higher score wins, equal scores tie); with the judge, the checker judge sees both answers in both",
    "orders (won both: win, lost both: loss, split: tie). Win rate counts ties half; the intervals are 95 % percentile",
    `bootstrap intervals over the prompts (1 000 resamples, seed ${r.config.seed}).`,
    "",
    "| mode | prompts | won / tied / lost | win rate | tie rate | loss rate | accuracy: checkpoint vs start |",
    "|---|---|---|---|---|---|---|",
    row(e.verifiable),
    row(e.judge),
    "",
    `Full reports as \`clair eval\` writes them: [verifiable](eval/verifiable.md), [judge](eval/judge.md) (rows in \`eval/*.jsonl\`).`,
    "",
  ];
}

/** Table 2: max and mean change over the per-epoch checkpoints, with standard errors. */
function table2(r: DemoResults): string[] {
  const vsStart = (meanDelta: number, se: number) => {
    const v = verdictOf({ diff: meanDelta, se });
    return v === "holds" ? "above" : v === "does not hold" ? "below" : "within noise";
  };
  // A smoke run's cells are too small to be judged, even against the start.
  const judged = !r.smoke;
  return [
    "## Table 2: change in accuracy over the per-epoch checkpoints",
    "",
    `Greedy accuracy on ${r.evalPrompts} held-out prompts before alignment: **${pct(r.accuracyBefore)}** (standard error`,
    `${sePoints(r.seBefore)} points). As in the paper's Table 2, each cell is one training run with a checkpoint after every`,
    "epoch: **max Δ** is the largest change in accuracy over the checkpoints (points; its epoch in brackets), **mean Δ**",
    "the mean change over all checkpoints with the standard deviation across checkpoints in parentheses. **SE** is the",
    "standard error of that mean change, paired over the evaluation prompts (the noise figure).",
    ...(judged
      ? [
          '"vs start" says whether the mean change is beyond two standard errors. The checkpoint behind max Δ is',
          "picked after the fact, so max Δ flatters every cell alike.",
        ]
      : []),
    "",
    "Max Δ and mean Δ are `@apo/trainer`'s `summariseEpochEvals` of each cell's `runs/<dataset>--<objective>/epoch-evals.jsonl`",
    "(the file `apo train --eval-each-epoch` writes), checked against the demo's own per-prompt computation;",
    `[${r.epochEvalReport}](${r.epochEvalReport}) is every cell in the trainer's report form (\`formatEpochEvalReport\`, what`,
    "`apo eval-report runs/*` prints).",
    "",
    `| dataset | objective | max Δ | mean Δ (sd) | SE |${judged ? " vs start |" : ""} accuracy by epoch (%) |`,
    `|---|---|---|---|---|${judged ? "---|" : ""}---|`,
    ...r.cells.map((c) => {
      const ch = c.change;
      const verdict = judged ? ` ${vsStart(ch.meanDelta, ch.meanSe)} |` : "";
      const t = c.trainer;
      return `| ${c.dataset} | ${c.objective} | ${points(t.maxChange)} (${t.bestEpoch}) | ${points(t.meanChange)} (${sePoints(ch.sdDelta)}) | ${sePoints(ch.meanSe)} |${verdict} ${ch.accuracies.map((a) => (100 * a).toFixed(1)).join(", ")} |`;
    }),
    "",
  ];
}

function figures(): string[] {
  return [
    "## Figures",
    "",
    `- [Figure 3](${FIGURE_FILES.figure3}): how hard DPO, APO-zero and APO-down push the winning and losing`,
    "  likelihoods as the winning reward varies (the paper's gradient comparison, computed by `@apo/losses`).",
    `- [Figure 4](${FIGURE_FILES.figure4}): held-out log-likelihoods (left) and rewards (right) of the winning`,
    "  (solid) and losing (dashed) answers over training for APO-zero, APO-down and DPO, one row per dataset.",
    `- [Table 2 by epoch](${FIGURE_FILES.accuracy}): every objective's accuracy at each checkpoint, with the`,
    "  starting accuracy ± 2 standard errors dashed.",
    "",
    `![Figure 3](${FIGURE_FILES.figure3})`,
    "",
    `![Figure 4](${FIGURE_FILES.figure4})`,
    "",
    `![Accuracy by epoch](${FIGURE_FILES.accuracy})`,
    "",
  ];
}

/** The markdown report: setup, Table 1, Table 2, figures, and (full runs only) the paper's claims checked. */
export function reportMarkdown(r: DemoResults): string {
  const objectives = [...new Set(r.cells.map((c) => c.objective))] as ObjectiveName[];
  const lines = [
    r.smoke
      ? "# apo-clair demo: smoke run (no claims)"
      : "# apo-clair demo: the paper's experiments at toy scale",
    "",
  ];
  if (r.smoke) {
    lines.push(
      "> **Smoke run.** Every stage ran, at sizes far too small for its numbers to mean anything (a few dozen",
      "> pairs, a handful of evaluation prompts, a model of a few thousand parameters). This report checks none of",
      "> the paper's claims and ranks nothing; run `npx -y pnpm@10 demo` for the full demo.",
      "",
    );
  }
  lines.push(
    "A tiny Llama learns to sort 6 digits by SFT until it is right only part of the time. On the same prompts,",
    "the paper's four preference datasets are built with `@clair/revise`'s builders, the strong model's roles",
    "played by an exact checker: **CLAIR** (the model's answer, minimally corrected), **stronger preferred** (a",
    "correct answer written independently), **on-policy judge** (two samples of the model, the better one wins)",
    "and **off-policy judge** (answers of two weaker models, the better one wins). Copies of the model are aligned",
    `with ${objectives.join(", ")} on each, and every epoch's checkpoint is scored. Everything runs locally and is seeded.`,
    "",
    "## Setup",
    "",
    ...Object.entries(r.config).map(([k, v]) => `- ${k}: ${v}`),
    `- greedy accuracy before alignment: **${pct(r.accuracyBefore)}** ± ${sePoints(r.seBefore)} points (standard error, ${r.evalPrompts} prompts)`,
    `- total time: ${r.seconds.toFixed(0)} s`,
    "",
    ...table1(r),
    ...table2(r),
    ...checkpointEvalSection(r),
    ...figures(),
  );
  if (r.smoke) return `${lines.join("\n")}\n`;

  const claims = checkClaims(r);
  lines.push(
    "## What came out",
    "",
    ...overallFindings(r).map((f) => `- ${f}`),
    "",
    "## The paper's claims, checked",
    "",
    "A claim **holds** when the toy's difference points the paper's way by more than two standard errors, **does",
    "not hold** when it points the other way by more than two, and is **within noise** otherwise; the noise column",
    "gives the standard error it was judged by. Accuracy claims compare mean change over the checkpoints, paired",
    `over the evaluation prompts; "best objective" claims pick each dataset's best cell first, which flatters it. With ${claims.length}`,
    "claims checked at about 95 % each, one may land on the wrong side by chance.",
    "",
    "| # | the paper says | where | here | verdict | noise (SE) |",
    "|---|---|---|---|---|---|",
    ...claims.map(
      (c, i) => `| ${i + 1} | ${c.claim} | ${c.where} | ${c.measured} | **${c.verdict}** | ${c.noise} |`,
    ),
    "",
  );
  const anchored = anchoredFindings(r);
  if (anchored.length > 0) {
    lines.push(
      "## Beyond the paper: the anchor chosen per pair",
      "",
      "The paper picks APO-zero or APO-down per dataset and names choosing per pair as future work. APO-anchored",
      "(`apo_anchored` in `@apo/losses`) trains each pair with the anchor `clair anchor`'s builder gave it (see",
      '"APO-anchored\'s anchors" under Table 1: APO-zero where the checker judge prefers the winning answer to the',
      "model's own in both orders, APO-down where it prefers the model's, half of each on a tie). Against the better",
      "fixed anchor of each dataset (mean change, paired SE):",
      "",
      ...anchored.map((f) => `- ${f}`),
      "",
    );
  }
  lines.push(
    "## What this toy can and cannot say",
    "",
    "One seed, one 6-digit sorting task, a model of a few hundred thousand parameters trained for minutes, with",
    "the strong model's roles played by an exact checker. The paper aligns Llama-3-8B-Instruct on 32K",
    "UltraFeedback prompts for 18 epochs and scores it on MixEval-Hard. Where the toy disagrees with the paper,",
    "that is reported above as it came out, not tuned away; a verdict here is about this toy, not about the paper.",
    "One difference worth keeping in mind (a likely reason, not one this demo tests): here a wrong answer shares",
    "most of its tokens with the right one, so an objective that lowers the likelihood of winning or losing",
    "answers also lowers much of the right answer's, which an LLM's long free-text answers need not suffer.",
    "",
  );
  return lines.join("\n");
}
