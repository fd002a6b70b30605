import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type AnswerScorer,
  createPairwiseEvalBuilder,
  type EvalReport,
  readEvalReport,
  runDataset,
  writeEvalReport,
} from "@clair/revise";
import type { Estimate } from "@clair/revise/stats";
import { answeredBy, checkerJudge, problemOf } from "./roles.js";
import { scoreAnswer } from "./sample.js";
import type { Problem } from "./task.js";

/** One `clair eval` comparison as the demo reports it. */
export interface EvalComparison {
  mode: "verifiable" | "judge";
  pairs: number;
  wins: number;
  ties: number;
  losses: number;
  /** (wins + ties / 2) / pairs, with its bootstrap 95 % interval. */
  winRate: Estimate;
  tieRate: Estimate;
  lossRate: Estimate;
  /** AlpacaEval 2's length-controlled win rate. */
  lcWinRate: Estimate;
  /** Verifiable mode: each side's mean score (its accuracy), with intervals from the same resamples. */
  candidateAccuracy?: Estimate;
  baselineAccuracy?: Estimate;
  /** The eval output and its Markdown report, as `clair eval` writes them. */
  output: string;
  markdown: string;
}

/** A checkpoint compared with the starting model on the held-out problems, both ways. */
export interface CheckpointEval {
  dataset: string;
  objective: string;
  /** The checkpoint's epoch (the last one: chosen before training, not after seeing the scores). */
  epoch: number;
  candidate: string;
  baseline: string;
  prompts: number;
  verifiable: EvalComparison;
  judge: EvalComparison;
}

/** A model and its greedy answers, in problem order. */
export interface AnsweringModel {
  name: string;
  answers: readonly string[];
}

/** The demo's scorer for `clair eval`'s verifiable mode: the checker's {@link scoreAnswer} on the row's task. */
export const checkerScorer: AnswerScorer = (answer, row) =>
  scoreAnswer(problemOf(String(row.prompt)), answer);

function comparison(report: EvalReport, output: string, markdown: string): EvalComparison {
  const { stats } = report;
  const accuracy =
    report.mode === "verifiable"
      ? { candidateAccuracy: stats.means.candidateScore, baselineAccuracy: stats.means.baselineScore }
      : {};
  return {
    mode: report.mode,
    pairs: stats.pairs,
    wins: stats.wins,
    ties: stats.ties,
    losses: stats.losses,
    winRate: stats.winRate,
    tieRate: stats.tieRate,
    lossRate: stats.lossRate,
    lcWinRate: stats.lcWinRate,
    ...accuracy,
    output,
    markdown,
  } as EvalComparison;
}

/**
 * `clair eval`'s library on the demo: the candidate's answers against the baseline's on the held-out
 * problems, once in the verifiable-answers mode (each answer scored by the checker: the higher score wins,
 * equal scores tie) and once with the checker judge in both orders (won both → win, lost both → loss,
 * split → tie), each through `createPairwiseEvalBuilder` and `runDataset` as the command runs it, then
 * `readEvalReport` (seeded bootstrap, 1 000 resamples) and `writeEvalReport` to `dir`.
 *
 * ```text
 * win rate = (W + T/2) / n      tie rate = T / n      95 % interval: percentile bootstrap over the prompts
 * ```
 * @example const { verifiable, judge } = await evaluateCheckpoint(evalSet, aligned, start, "out/eval", 7);
 */
export async function evaluateCheckpoint(
  problems: readonly Problem[],
  candidate: AnsweringModel,
  baseline: AnsweringModel,
  dir: string,
  seed: number,
): Promise<Pick<CheckpointEval, "candidate" | "baseline" | "prompts" | "verifiable" | "judge">> {
  await mkdir(dir, { recursive: true });
  const byPrompt = (m: AnsweringModel) =>
    answeredBy(m.name, new Map(problems.map((p, i) => [p.prompt, m.answers[i] ?? ""])));
  const input = join(dir, "heldout.jsonl");
  await writeFile(input, problems.map((p) => `${JSON.stringify({ prompt: p.prompt })}\n`).join(""));
  const run = async (mode: "verifiable" | "judge") => {
    const builder = createPairwiseEvalBuilder({
      candidate: byPrompt(candidate),
      baseline: byPrompt(baseline),
      ...(mode === "verifiable" ? { score: checkerScorer } : { judge: checkerJudge }),
    });
    const output = join(dir, `${mode}.jsonl`);
    // One row at a time: the output's rows, and so the bootstrap's draws, are in prompt order.
    await runDataset({ builder, input, output, concurrency: 1, fsync: false });
    const report = await readEvalReport(output, { bootstrap: { resamples: 1000, seed } });
    const markdown = join(dir, `${mode}.md`);
    await writeEvalReport(report, { markdown, json: join(dir, `${mode}.json`) });
    return comparison(report, output, markdown);
  };
  return {
    candidate: candidate.name,
    baseline: baseline.name,
    prompts: problems.length,
    verifiable: await run("verifiable"),
    judge: await run("judge"),
  };
}
