import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type CandidateRow,
  createClairBuilder,
  createOffPolicyJudgeBuilder,
  createOnPolicyJudgeBuilder,
  createStrongerPreferredBuilder,
  type DatasetBuilder,
  type Generator,
  type InputRow,
  runDataset,
} from "@clair/revise";
import { checkerJudge, checkerReviser, strongerModel } from "./roles.js";
import type { Problem } from "./task.js";

/** A preference pair as the demo trains on it. */
export interface Pair {
  prompt: string;
  chosen: string;
  rejected: string;
}

/** The paper's four datasets, by its names. */
export const DATASET_NAMES = ["CLAIR", "Stronger preferred", "On-policy judge", "Off-policy judge"] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** One built dataset: its pairs (in prompt order) and how many prompts the builder filtered out. */
export interface BuiltDataset {
  name: DatasetName;
  file: string;
  pairs: Pair[];
  rejectedRows: number;
  rejectedByReason: Readonly<Record<string, number>>;
}

/** Answers of a model other than the target, for the off-policy judge (M′ or M″ of the paper's eq. 3). */
export interface OtherModelAnswers {
  model: string;
  answers: readonly string[];
}

/** File-system-friendly name of a dataset. */
export const slug = (name: string): string => name.toLowerCase().replaceAll(" ", "-");

async function build<T extends { prompt?: string | undefined }>(
  name: DatasetName,
  builder: DatasetBuilder<T>,
  rows: readonly T[],
  dir: string,
): Promise<BuiltDataset> {
  const input = join(dir, `${slug(name)}.input.jsonl`);
  const output = join(dir, `${slug(name)}.jsonl`);
  await writeFile(input, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
  // One row at a time: the policy's samples then do not depend on how requests were batched.
  const summary = await runDataset({ builder, input, output, concurrency: 1, fsync: false });
  const order = new Map(rows.map((r, i) => [r.prompt, i]));
  const pairs = (await readFile(output, "utf8"))
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Pair)
    .map(({ prompt, chosen, rejected }) => ({ prompt, chosen, rejected }))
    .sort((x, y) => (order.get(x.prompt) ?? 0) - (order.get(y.prompt) ?? 0));
  return {
    name,
    file: output,
    pairs,
    rejectedRows: summary.rejected,
    rejectedByReason: summary.rejectedByReason,
  };
}

/**
 * Builds the paper's four datasets on the same prompts with `@clair/revise`'s builders, the same ones users
 * run against LLM endpoints, with local roles for the verifiable task:
 * - CLAIR: y_l = the model's own sampled answer, y_w = the reviser's minimal correction of it;
 * - stronger preferred: y_l = the same sampled answer, y_w = the stronger model's independent answer;
 * - on-policy judge: two samples of the model, the judge picks the better one;
 * - off-policy judge: one answer each of two other (weaker) models, the judge picks the better one.
 */
export async function buildDatasets(
  problems: readonly Problem[],
  sampled: readonly string[],
  policy: Generator,
  others: readonly [OtherModelAnswers, OtherModelAnswers],
  dir: string,
): Promise<BuiltDataset[]> {
  const withAnswers = problems.map((p, i) => ({ prompt: p.prompt, response: sampled[i] ?? "" }));
  const promptsOnly = problems.map((p) => ({ prompt: p.prompt }));
  const candidates: CandidateRow[] = problems.map((p, i) => ({
    prompt: p.prompt,
    completions: others.map((o) => ({ response: o.answers[i] ?? "", model: o.model })),
  }));
  return [
    await build<InputRow>("CLAIR", createClairBuilder({ reviser: checkerReviser }), withAnswers, dir),
    await build<InputRow>(
      "Stronger preferred",
      createStrongerPreferredBuilder({ stronger: strongerModel }),
      withAnswers,
      dir,
    ),
    await build<InputRow>(
      "On-policy judge",
      createOnPolicyJudgeBuilder({ policy, judge: checkerJudge }),
      promptsOnly,
      dir,
    ),
    await build<CandidateRow>(
      "Off-policy judge",
      createOffPolicyJudgeBuilder({ by: "judge", judge: checkerJudge }),
      candidates,
      dir,
    ),
  ];
}
