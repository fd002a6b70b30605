import {
  type AnchoredRow,
  type AnchorValue,
  anchoredRow,
  type PairRow,
  PairRowSchema,
} from "./anchor-builder.js";
import { type DatasetBuilder, RowTrace } from "./builder.js";
import { promptText } from "./chat-prompt.js";
import { InvalidFieldError } from "./errors.js";
import { readJsonl } from "./jsonl.js";
import { sigmoid } from "./logistic-regression.js";

/**
 * One pair's reference log-probs as `apo logprobs` writes them: summed completion log-probs of the
 * chosen and rejected answers and their token counts.
 *
 * @example
 * ```ts
 * const ref: ReferenceLogProbs = { chosen_logp: -41.2, rejected_logp: -18.9, chosen_tokens: 40, rejected_tokens: 22 };
 * ```
 */
export interface ReferenceLogProbs {
  readonly chosen_logp: number;
  readonly rejected_logp: number;
  readonly chosen_tokens?: number;
  readonly rejected_tokens?: number;
}

/**
 * Options of {@link createMarginAnchorBuilder}.
 *
 * @example
 * ```ts
 * const options: MarginAnchorOptions = { threshold: 0.1, unit: "token" };
 * ```
 */
export interface MarginAnchorOptions {
  /** The margin above which a pair is anchored down; default 0. */
  readonly threshold?: number;
  /** Soft anchors: a = σ((margin − threshold) / scale) instead of 0 or 1. */
  readonly scale?: number;
  /** Per-token margins (default; needs the token counts) or summed ones (`sequence`). */
  readonly unit?: "token" | "sequence";
  /**
   * Where the log-probs are, by input line, when the rows do not carry them (see
   * {@link readReferenceLogProbs}); default: the row's own fields.
   */
  readonly lookup?: (line: number) => ReferenceLogProbs | undefined;
}

const FIELDS = ["chosen_logp", "rejected_logp", "chosen_tokens", "rejected_tokens"] as const;

/**
 * The judge-free anchor rule, a heuristic: the reference model's log-prob margin of the chosen answer over
 * the rejected one. Where the model already prefers the chosen answer by more than `threshold` nats (per
 * token by default, so length does not decide), the chosen answer is taken to be no better than what the
 * model would write, and the pair is anchored down; elsewhere zero. With `scale`, the anchor is the
 * weight σ((m − threshold) / scale) instead. No paper validates this rule: it is a cheap stand-in for
 * the judge ({@link createJudgeAnchorBuilder}) when the log-probs are at hand (`apo logprobs`).
 *
 * ```text
 * m = chosen_logp / chosen_tokens − rejected_logp / rejected_tokens     (unit "token")
 * m = chosen_logp − rejected_logp                                       (unit "sequence")
 * anchor = "down" if m > threshold else "zero"      or, with scale: a = σ((m − threshold) / scale)
 * ```
 *
 * A pair with a completion of 0 tokens (TRL drops those rows) is rejected (`empty-answer`) under the
 * per-token unit.
 *
 * @example
 * ```ts
 * const builder = createMarginAnchorBuilder({ lookup: await readReferenceLogProbs("ref.jsonl", "pairs.jsonl") });
 * await runDataset({ builder, input: "pairs.jsonl", output: "anchored.jsonl" });
 * ```
 */
export function createMarginAnchorBuilder(
  options: MarginAnchorOptions = {},
): DatasetBuilder<PairRow, AnchoredRow> {
  const threshold = options.threshold ?? 0;
  const unit = options.unit ?? "token";
  const fieldsOf = (row: PairRow, line: number): ReferenceLogProbs => {
    const source = options.lookup === undefined ? (row as Record<string, unknown>) : options.lookup(line);
    if (source === undefined)
      throw new InvalidFieldError("chosen_logp", "no reference log-probs for this row in the log-probs file");
    const needed = unit === "token" ? FIELDS : FIELDS.slice(0, 2);
    for (const field of needed) {
      const value = (source as Record<string, unknown>)[field];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new InvalidFieldError(
          field,
          `${value === undefined ? "absent" : `${JSON.stringify(value)} is not a finite number`}: --anchor-from margin needs ${needed.join(", ")} per row, as \`apo logprobs\` writes them (in the row, or --logprobs FILE)${unit === "token" ? "; --margin-unit sequence needs only the log-probs" : ""}`,
        );
      }
      if (field.endsWith("_tokens") && !(Number.isInteger(value) && value >= 0))
        throw new InvalidFieldError(field, `${value} is not a token count`);
    }
    return source as unknown as ReferenceLogProbs;
  };
  return {
    kind: "anchor",
    schema: PairRowSchema,
    prompt: (row) => promptText(row.prompt),
    check(row, line) {
      fieldsOf(row, line);
    },
    async build(row, context) {
      const trace = new RowTrace();
      const ref = fieldsOf(row, context.line);
      let margin: number;
      if (unit === "token") {
        const c = ref.chosen_tokens ?? 0;
        const r = ref.rejected_tokens ?? 0;
        if (c === 0 || r === 0) {
          const which = c === 0 ? "chosen" : "rejected";
          return trace.reject(
            "anchor",
            context,
            promptText(row.prompt),
            "empty-answer",
            `the ${which} completion has 0 tokens (TRL drops the row): no per-token margin`,
          );
        }
        margin = ref.chosen_logp / c - ref.rejected_logp / r;
      } else {
        margin = ref.chosen_logp - ref.rejected_logp;
      }
      const anchor: AnchorValue =
        options.scale === undefined
          ? margin > threshold
            ? "down"
            : "zero"
          : sigmoid((margin - threshold) / options.scale);
      return trace.acceptRow(
        anchoredRow(row, context, anchor, trace.meta("anchor", context, { verdict: "margin", margin })),
      );
    },
  };
}

/**
 * Reads `apo logprobs` output for a pair file: its n-th row belongs to the pair file's n-th row (blank
 * lines skipped), and when both carry an `id` they must agree. Returns the lookup by the pair file's
 * line that {@link createMarginAnchorBuilder} takes. Holds four numbers a row.
 *
 * @throws {InvalidFieldError} naming the log-probs file and line when the files disagree (row counts,
 * ids) or a row is not of `apo logprobs`' shape.
 * @example
 * ```ts
 * const lookup = await readReferenceLogProbs("ref-logprobs.jsonl", "pairs.jsonl");
 * lookup(3)?.chosen_logp;
 * ```
 */
export async function readReferenceLogProbs(
  file: string,
  pairs: string,
  options: { readonly maxLineBytes?: number | undefined } = {},
): Promise<(line: number) => ReferenceLogProbs | undefined> {
  const lines: number[] = [];
  const ids: unknown[] = [];
  for await (const { line, value } of readJsonl(pairs, options)) {
    lines.push(line);
    ids.push(value.id);
  }
  const values = new Float64Array(lines.length * 4).fill(Number.NaN);
  let rows = 0;
  let last = 0;
  for await (const { line, value } of readJsonl(file, options)) {
    last = line;
    if (rows === lines.length) {
      throw new InvalidFieldError(
        "(record)",
        `more rows than ${pairs} has (${lines.length}): log-probs of another file?`,
        {
          file,
          line,
        },
      );
    }
    const id = ids[rows];
    if (id !== undefined && value.id !== undefined && JSON.stringify(id) !== JSON.stringify(value.id)) {
      throw new InvalidFieldError(
        "id",
        `${JSON.stringify(value.id)} differs from ${JSON.stringify(id)}, the id of row ${rows + 1} of ${pairs} (line ${lines[rows]}): log-probs of another file?`,
        { file, line },
      );
    }
    FIELDS.forEach((field, k) => {
      const v = value[field];
      if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v)))
        throw new InvalidFieldError(field, `${JSON.stringify(v)} is not a finite number`, { file, line });
      if (typeof v === "number") values[rows * 4 + k] = v;
    });
    rows += 1;
  }
  if (rows !== lines.length) {
    throw new InvalidFieldError(
      "(record)",
      `${rows} rows, but ${pairs} has ${lines.length}: run \`apo logprobs\` on that pair file`,
      { file, line: last },
    );
  }
  return (line) => {
    // Lines are increasing: find the pair file's row by binary search.
    let lo = 0;
    let hi = lines.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = lines[mid] as number;
      if (at === line) {
        const out: Record<string, number> = {};
        FIELDS.forEach((field, k) => {
          const v = values[mid * 4 + k] as number;
          if (!Number.isNaN(v)) out[field] = v;
        });
        return out as unknown as ReferenceLogProbs;
      }
      if (at < line) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  };
}
