import type { ContrastivenessReport } from "@clair/metrics";
import type { ObjectiveName, PairLogProbs, TrajectoryPoint } from "./align.js";
import type { AnchorCounts } from "./anchors.js";
import type { BuiltDataset, DatasetName } from "./datasets.js";
import type { TrainerTable2 } from "./epoch-table.js";
import type { CheckpointEval } from "./pairwise-eval.js";
import type { CheckpointChange } from "./stats.js";

/** One dataset as the report describes it. */
export interface DatasetResult {
  dataset: BuiltDataset;
  contrast: ContrastivenessReport;
  /** Pairs trained on and held out (Figure 4). */
  trainPairs: number;
  heldOutPairs: number;
  /** Share of pairs whose chosen answer is correct. */
  chosenCorrect: number;
  /** Share of pairs whose prompt the model answers correctly (greedy) before alignment. */
  modelCorrect: number;
  /** Share of pairs whose chosen answer is right and the model's own wrong: the first hand rule's APO-zero pairs. */
  chosenBeatsModel: number;
  /** APO-anchored's anchors of the training pairs from `clair anchor`'s builder, against the hand rule. */
  anchors: AnchorCounts;
}

/** One (dataset, objective) training run. */
export interface CellResult {
  dataset: DatasetName;
  objective: ObjectiveName;
  change: CheckpointChange;
  /** Max and mean change as `@apo/trainer`'s `summariseEpochEvals` gives them (equal to `change`'s). */
  trainer: TrainerTable2;
  trajectory: readonly TrajectoryPoint[];
  /** Per held-out pair, the rewards after the last step. */
  finalRewards: PairLogProbs;
}

/** Everything the report shows. */
export interface DemoResults {
  smoke: boolean;
  config: Record<string, number | string>;
  evalPrompts: number;
  /** Greedy accuracy before alignment and its standard error. */
  accuracyBefore: number;
  seBefore: number;
  /** Accuracies of the two other models behind the off-policy judge dataset. */
  otherModels: ReadonlyArray<{ model: string; accuracy: number }>;
  datasets: readonly DatasetResult[];
  cells: readonly CellResult[];
  /** `clair eval`'s library on one cell's last checkpoint against the starting model (absent when none trained). */
  checkpointEval?: CheckpointEval;
  /** Every cell's epoch evaluations in `@apo/trainer`'s report form, relative to the report. */
  epochEvalReport: string;
  seconds: number;
}
