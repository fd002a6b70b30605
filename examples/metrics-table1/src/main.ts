/**
 * Table 1 of the CLAIR paper for two small datasets: how alike are the chosen and rejected answers?
 *
 *   pnpm --filter @apo-clair/example-metrics-table1 start
 *
 * data/clair.jsonl: ten real CLAIR pairs (rejected: an UltraFeedback answer; chosen: GPT-4-turbo's minimal
 * revision of it), from the cache of the paper authors' public notebook, in TRL's conversational format.
 * data/unrelated-control.jsonl: the same rejected answers, each paired with the revision of another
 * prompt: a synthetic floor for contrastiveness, not one of the paper's datasets.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ContrastivenessPool, type FileReport, formatReportTable } from "@clair/metrics";

const here = dirname(fileURLToPath(import.meta.url));

/** The example's datasets, by name. */
export const DATASETS = {
  clair: join(here, "../data/clair.jsonl"),
  "unrelated-control": join(here, "../data/unrelated-control.jsonl"),
} as const;

/** Measures every dataset (on `threads` worker threads; 0: in this thread). */
export async function measure(threads = 0): Promise<{ name: string; report: FileReport }[]> {
  const pool = new ContrastivenessPool({ threads });
  try {
    const rows: { name: string; report: FileReport }[] = [];
    for (const [name, file] of Object.entries(DATASETS)) rows.push({ name, report: await pool.ofFile(file) });
    return rows;
  } finally {
    await pool.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await measure();
  console.log(formatReportTable(rows));
  const [clair, control] = rows;
  console.log(
    `\nCLAIR's revisions keep ${clair!.report.jaccard.mean.toFixed(1)} % of the token set on average, ` +
      `against ${control!.report.jaccard.mean.toFixed(1)} % for unrelated answers.`,
  );
}
