// The statistics behind `clair eval`, for reports of your own: an exact logistic regression, the
// length-controlled win rate, and bootstrap summaries of pairwise comparisons.
export { fitLogisticRegression, type LogisticFit, type LogisticOptions } from "./logistic-regression.js";
export {
  type BootstrapOptions,
  type Estimate,
  type LengthControl,
  lengthControlledWinRate,
  type PairwiseInput,
  type PairwiseStats,
  summarisePairwise,
} from "./pairwise-stats.js";
