import type { JournalRow, RowOutcome } from "./builder.js";
import type { Journal } from "./journal.js";
import type { RejectRow, Usage } from "./records.js";

/**
 * USD per million input and output tokens of one model.
 *
 * @example
 * ```ts
 * const gpt4turbo: Price = { inputPerMillion: 10, outputPerMillion: 30 };
 * ```
 */
export interface Price {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

/**
 * The cost of `usage` at `price`, in USD.
 *
 * ```text
 * cost = promptTokens * inputPerMillion / 1e6 + completionTokens * outputPerMillion / 1e6
 * ```
 *
 * @example
 * ```ts
 * costOf({ promptTokens: 1_000_000, completionTokens: 0 }, { inputPerMillion: 10, outputPerMillion: 30 }); // 10
 * ```
 */
export function costOf(usage: Usage, price: Price | undefined): number {
  if (price === undefined) return 0;
  return (usage.promptTokens * price.inputPerMillion + usage.completionTokens * price.outputPerMillion) / 1e6;
}

/**
 * The tally of a run's finished rows, shared by the streaming runner and the Batch API mode: each outcome
 * is written to the journal before it counts, rejects are counted by reason, and token usage and cost add
 * up across the models a row called.
 *
 * ```text
 * usage += Σ_models outcome.usage;  cost += Σ_models costOf(usage_m, prices[m])
 * ```
 *
 * @example
 * ```ts
 * const tally = new RunTally(journal, { "gpt-4o": { inputPerMillion: 2.5, outputPerMillion: 10 } });
 * tally.account(outcome);
 * await tally.record(outcome);
 * ```
 */
export class RunTally {
  accepted = 0;
  rejected = 0;
  costUsd = 0;
  readonly usage = { promptTokens: 0, completionTokens: 0 };
  readonly rejectedByReason: Record<string, number> = {};
  readonly #journal: Journal;
  readonly #prices: Readonly<Record<string, Price>> | undefined;

  constructor(journal: Journal, prices?: Readonly<Record<string, Price>>) {
    this.#journal = journal;
    this.#prices = prices;
  }

  /** Adds the token usage and cost of every model call the row made. */
  account(outcome: RowOutcome<JournalRow>): void {
    for (const [model, used] of Object.entries(outcome.usageByModel)) {
      this.usage.promptTokens += used.promptTokens;
      this.usage.completionTokens += used.completionTokens;
      this.costUsd += costOf(used, this.#prices?.[model]);
    }
  }

  /** Writes the row to the output (accepted) or the rejects file, then counts it. */
  async record(outcome: RowOutcome<JournalRow>): Promise<void> {
    if (outcome.kind === "accepted") {
      await this.#journal.accept(outcome.row);
      this.accepted += 1;
    } else {
      await this.reject(outcome.row);
    }
  }

  /** Writes a reject row, then counts it under its reason. */
  async reject(row: RejectRow): Promise<void> {
    await this.#journal.reject(row);
    this.rejected += 1;
    this.rejectedByReason[row.reason] = (this.rejectedByReason[row.reason] ?? 0) + 1;
  }
}
