import type { z } from "zod";
import type { DatasetKind, PreferenceRow, RejectReason, RejectRow, RowMeta, Usage } from "./records.js";

/**
 * Where a row came from: its stable key (the journal's resume key) and its 1-based input line.
 *
 * @example
 * ```ts
 * const context: RowContext = { key: "L12-3f2a9c0e1b7d4a55", line: 12 };
 * ```
 */
export interface RowContext {
  readonly key: string;
  readonly line: number;
  readonly inputId?: string | number;
}

/**
 * What every row a run writes to its output has: `id`, the input row's stable key (see `rowKey`), first,
 * so that a resumed run finds it.
 *
 * @example
 * ```ts
 * const row: JournalRow = { id: "L12-3f2a9c0e1b7d4a55" };
 * ```
 */
export interface JournalRow {
  readonly id: string;
}

/**
 * What building one row gives: an accepted row (a preference pair for the dataset builders, an anchored
 * pair for `clair anchor`, a judged comparison for `clair eval`) or a rejection with its reason, plus the
 * tokens spent per model (for the cost estimate and the budget).
 *
 * @example
 * ```ts
 * if (outcome.kind === "accepted") console.log(outcome.row.chosen);
 * ```
 */
export type RowOutcome<R extends JournalRow = PreferenceRow> = (
  | { readonly kind: "accepted"; readonly row: R }
  | { readonly kind: "rejected"; readonly row: RejectRow }
) & { readonly usageByModel: Readonly<Record<string, Usage>> };

/**
 * A dataset builder of the paper's section 3 (or any per-row job of the runner: anchoring, evaluation):
 * the input schema it reads and how it turns one input row into an outcome whose accepted rows are `R`.
 * The runner adds the journal, concurrency, retries and budget around it.
 *
 * @example
 * ```ts
 * const builder: DatasetBuilder<InputRow> = createClairBuilder({ reviser });
 * const outcome = await builder.build({ prompt: "2+2?", response: "5" }, { key: "L1-x", line: 1 });
 * ```
 */
export interface DatasetBuilder<T, R extends JournalRow = PreferenceRow> {
  readonly kind: DatasetKind;
  readonly schema: z.ZodType<T>;
  /** The row's prompt, copied unchanged into output and rejects rows. */
  prompt(row: T): string;
  /**
   * Throws an `InvalidFieldError` naming the field when this builder cannot build the row (a row without
   * `response` and no policy model to sample one); runners call it on every row before the first request,
   * with the row's 1-based input line.
   */
  check?(row: T, line: number): void;
  build(row: T, context: RowContext, signal?: AbortSignal): Promise<RowOutcome<R>>;
}

/**
 * Accumulates, while one row is built, the models called per role, their raw answers and the tokens
 * spent per model, and turns them into the row's `meta` and outcome.
 *
 * @example
 * ```ts
 * const trace = new RowTrace();
 * trace.record("reviser", "gpt-4", { promptTokens: 10, completionTokens: 5 }, raw);
 * return trace.accept("clair", context, { prompt, chosen, rejected, rationale });
 * ```
 */
export class RowTrace {
  readonly usageByModel: Record<string, Usage> = {};
  readonly models: Record<string, string> = {};
  readonly raw: Record<string, string | string[]> = {};
  template: { name: string; version: string } | undefined;

  /** Records a call made in `role` to `model`. */
  record(role: string, model: string, usage: Usage, raw: string | readonly string[]): void {
    this.models[role] = model;
    this.raw[role] = typeof raw === "string" ? raw : [...raw];
    const sum = this.usageByModel[model] ?? { promptTokens: 0, completionTokens: 0 };
    this.usageByModel[model] = {
      promptTokens: sum.promptTokens + usage.promptTokens,
      completionTokens: sum.completionTokens + usage.completionTokens,
    };
  }

  /** The row's `meta` object. */
  meta(dataset: DatasetKind, context: RowContext, extra: Partial<RowMeta> = {}): RowMeta {
    let promptTokens = 0;
    let completionTokens = 0;
    for (const usage of Object.values(this.usageByModel)) {
      promptTokens += usage.promptTokens;
      completionTokens += usage.completionTokens;
    }
    const meta: RowMeta = {
      dataset,
      line: context.line,
      models: this.models,
      raw: this.raw,
      usage: { promptTokens, completionTokens },
      ...extra,
    };
    if (context.inputId !== undefined) meta.inputId = context.inputId;
    if (this.template !== undefined) meta.template = this.template;
    return meta;
  }

  /** An accepted outcome. */
  accept(
    dataset: DatasetKind,
    context: RowContext,
    pair: { prompt: string; chosen: string; rejected: string; rationale: string },
    extra: Partial<RowMeta> = {},
  ): RowOutcome {
    return {
      kind: "accepted",
      row: { id: context.key, ...pair, meta: this.meta(dataset, context, extra) },
      usageByModel: this.usageByModel,
    };
  }

  /** An accepted outcome whose row is not a preference pair (an anchored pair, a judged comparison). */
  acceptRow<R extends JournalRow>(row: R): RowOutcome<R> {
    return { kind: "accepted", row, usageByModel: this.usageByModel };
  }

  /** A rejected outcome (of a builder of any accepted row type `R`). */
  reject<R extends JournalRow = PreferenceRow>(
    dataset: DatasetKind,
    context: RowContext,
    prompt: string,
    reason: RejectReason,
    detail: string,
    extra: Partial<RowMeta> = {},
  ): RowOutcome<R> {
    return {
      kind: "rejected",
      row: { id: context.key, prompt, reason, detail, meta: this.meta(dataset, context, extra) },
      usageByModel: this.usageByModel,
    };
  }
}
