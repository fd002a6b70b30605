import { writeFile } from "node:fs/promises";
import { jsonObject } from "../data/preference-rows.js";
import { readJsonl } from "../data/read-jsonl.js";
import { badLabel } from "../data/read-unpaired.js";
import { type RowLocation, TrainDataError } from "../data/train-data-error.js";

/** TRL's two dataset formats: preference pairs (DPOTrainer) and unpaired examples (KTOTrainer). */
export type TrlDataFormat = "paired" | "unpaired";

const FIELDS: Record<TrlDataFormat, { text: string[]; ids: string[] }> = {
  paired: { text: ["prompt", "chosen", "rejected"], ids: ["prompt_ids", "chosen_ids", "rejected_ids"] },
  unpaired: { text: ["prompt", "completion"], ids: ["prompt_ids", "completion_ids"] },
};

function isText(value: unknown): boolean {
  if (typeof value === "string") return true;
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((m) => typeof m?.role === "string" && typeof m?.content === "string")
  );
}

function checkRow(value: unknown, format: TrlDataFormat, at: RowLocation): Record<string, unknown> {
  const row = jsonObject(value, at);
  const { text, ids } = FIELDS[format];
  const useIds = ids.some((f) => f in row);
  for (const field of useIds ? ids : text) {
    const v = row[field];
    const ok = useIds ? Array.isArray(v) && v.every((x) => Number.isInteger(x)) : isText(v);
    if (!ok) {
      const what = useIds
        ? "an array of integer token ids"
        : "a string or a list of {role, content} messages";
      throw new TrainDataError(
        at.file,
        at.line,
        `${field in row ? "" : "missing "}"${field}" must be ${what}`,
        {
          field,
        },
      );
    }
  }
  if (format === "unpaired" && typeof row.label !== "boolean") throw badLabel(at);
  return row;
}

/**
 * Check every row of a JSONL file against TRL's paired (`prompt`/`chosen`/`rejected`) or unpaired
 * (`prompt`/`completion`/`label`) format — strings, message lists or token ids — and write the rows,
 * one compact JSON object per line and blank lines dropped, to `to` (what `datasets.load_dataset` reads).
 *
 * @throws TrainDataError naming the file and line of a malformed row, or the file when it cannot be read
 * @example
 * ```ts
 * await copyTrlDataset("pairs.jsonl", "trl/data/train.jsonl", "paired"); // 120 rows
 * ```
 */
export async function copyTrlDataset(from: string, to: string, format: TrlDataFormat): Promise<number> {
  const rows: Record<string, unknown>[] = [];
  for await (const { line, value } of readJsonl(from))
    rows.push(checkRow(value, format, { file: from, line }));
  if (rows.length === 0) throw new TrainDataError(from, 0, "no rows");
  await writeFile(to, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
  return rows.length;
}
