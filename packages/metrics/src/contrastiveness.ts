import { InvalidPairError } from "./errors.js";
import { codePointLength } from "./internal/symbols.js";
import { type JaccardOptions, jaccard } from "./jaccard.js";
import { type CharacterUnit, levenshtein } from "./levenshtein.js";
import { pairTexts } from "./pair.js";
import { type Summary, summarize, ValueColumn } from "./summary.js";

/** Options of {@link contrastiveness} and {@link ContrastivenessAccumulator}. */
export interface ContrastivenessOptions extends JaccardOptions {
  /** What a Levenshtein character and a length unit are; Unicode code points by default. */
  unit?: CharacterUnit;
  /**
   * Count pairs that lack a usable `chosen` or `rejected` text in `invalid` instead of throwing.
   * Default false.
   */
  skipInvalid?: boolean;
}

/** Table-1 statistics of a preference dataset. */
export interface ContrastivenessReport {
  /** Pairs measured. */
  count: number;
  /** Pairs whose chosen and rejected texts are equal (no preference signal). */
  identical: number;
  /** Pairs skipped as invalid (only with `skipInvalid`). */
  invalid: number;
  /** Jaccard similarity ×100 of the token sets (higher: more alike). */
  jaccard: Summary;
  /** Levenshtein distance in characters (lower: more alike). */
  levenshtein: Summary;
  /**
   * Length of chosen / length of rejected, in characters: > 1 when the chosen answer is longer. 1 when both
   * are empty, Infinity when only the rejected one is.
   */
  lengthRatio: Summary;
}

/** The three numbers measured on one pair. */
export interface PairMetrics {
  /** Jaccard ×100. */
  jaccard: number;
  levenshtein: number;
  lengthRatio: number;
}

/**
 * The metrics of one pair of texts: Jaccard ×100 (as in the paper's Table 1), Levenshtein distance and
 * length ratio chosen / rejected.
 *
 * @example
 * ```ts
 * pairMetrics("the cat sat", "the cat ran"); // { jaccard: 50, levenshtein: 2, lengthRatio: 1 }
 * ```
 */
export function pairMetrics(chosen: string, rejected: string, options?: ContrastivenessOptions): PairMetrics {
  const unit = options?.unit ?? "code-point";
  const lengthChosen = unit === "code-unit" ? chosen.length : codePointLength(chosen);
  const lengthRejected = unit === "code-unit" ? rejected.length : codePointLength(rejected);
  return {
    jaccard: 100 * jaccard(chosen, rejected, options),
    levenshtein: levenshtein(chosen, rejected, { unit }),
    lengthRatio:
      lengthRejected === 0
        ? lengthChosen === 0
          ? 1
          : Number.POSITIVE_INFINITY
        : lengthChosen / lengthRejected,
  };
}

/**
 * Accumulates the metrics of pairs one at a time. Texts are not kept: memory is one float64 per pair and
 * metric (24 bytes per pair), which the exact median and percentiles need.
 *
 * @example
 * ```ts
 * const acc = new ContrastivenessAccumulator();
 * for (const pair of pairs) acc.add(pair);
 * acc.report().levenshtein.median;
 * ```
 */
export class ContrastivenessAccumulator {
  readonly options: ContrastivenessOptions;
  private readonly jaccardValues = new ValueColumn();
  private readonly levenshteinValues = new ValueColumn();
  private readonly ratioValues = new ValueColumn();
  identical = 0;
  invalid = 0;

  constructor(options: ContrastivenessOptions = {}) {
    this.options = options;
  }

  /** Pairs measured so far. */
  get count(): number {
    return this.jaccardValues.length;
  }

  /**
   * Measures one pair. A pair without usable texts throws {@link InvalidPairError}, or with `skipInvalid`
   * counts as invalid.
   */
  add(pair: PreferencePairLike): void {
    let texts: [string, string];
    try {
      texts = pairTexts(pair);
    } catch (error) {
      if (this.options.skipInvalid && error instanceof InvalidPairError) {
        this.invalid++;
        return;
      }
      throw error;
    }
    this.addTexts(texts[0], texts[1]);
  }

  /** Measures one pair given as its two texts. */
  addTexts(chosen: string, rejected: string): void {
    const metrics = pairMetrics(chosen, rejected, this.options);
    this.addMetrics(metrics.jaccard, metrics.levenshtein, metrics.lengthRatio, chosen === rejected);
  }

  /** Records metrics computed elsewhere (a worker thread). */
  addMetrics(jaccardValue: number, levenshteinValue: number, lengthRatio: number, identical: boolean): void {
    this.jaccardValues.push(jaccardValue);
    this.levenshteinValues.push(levenshteinValue);
    this.ratioValues.push(lengthRatio);
    if (identical) this.identical++;
  }

  /** Copies of the per-pair values, in the order the pairs were added (for plots). */
  values(): { jaccard: Float64Array; levenshtein: Float64Array; lengthRatio: Float64Array } {
    return {
      jaccard: this.jaccardValues.toArray(),
      levenshtein: this.levenshteinValues.toArray(),
      lengthRatio: this.ratioValues.toArray(),
    };
  }

  /** The statistics of every pair added so far. */
  report(): ContrastivenessReport {
    const values = this.values();
    return {
      count: this.count,
      identical: this.identical,
      invalid: this.invalid,
      jaccard: summarize(values.jaccard),
      levenshtein: summarize(values.levenshtein),
      lengthRatio: summarize(values.lengthRatio),
    };
  }
}

/** Anything with `chosen` and `rejected`; checked at run time. */
export type PreferencePairLike = { chosen?: unknown; rejected?: unknown } | unknown;

/**
 * Table-1 statistics of a preference dataset: for Jaccard ×100, Levenshtein distance and the length ratio
 * chosen / rejected, the mean, standard deviation, median, 10th and 90th percentiles, min and max; plus
 * the number of pairs, of identical pairs and (with `skipInvalid`) of invalid ones.
 *
 * Pairs are read one at a time from any iterable or async iterable; each side is a string, or a TRL
 * message list whose last assistant message is compared. Memory: one float64 per pair and metric.
 * For large files, {@link contrastivenessOfFile} spreads the work over worker threads.
 *
 * @example
 * ```ts
 * const report = await contrastiveness([{ chosen: "the cat sat", rejected: "the cat ran" }]);
 * report.jaccard.mean; // 50
 * ```
 */
export async function contrastiveness(
  pairs: Iterable<PreferencePairLike> | AsyncIterable<PreferencePairLike>,
  options: ContrastivenessOptions = {},
): Promise<ContrastivenessReport> {
  const accumulator = new ContrastivenessAccumulator(options);
  let index = 0;
  try {
    for await (const pair of pairs) {
      accumulator.add(pair);
      index++;
    }
  } catch (error) {
    if (error instanceof InvalidPairError) {
      throw new InvalidPairError(error.field, error.reason, index);
    }
    throw error;
  }
  return accumulator.report();
}
