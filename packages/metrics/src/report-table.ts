import type { ContrastivenessReport } from "./contrastiveness.js";
import type { Summary } from "./summary.js";

/** A dataset's name and its statistics, one row of the table. */
export interface NamedReport {
  name: string;
  report: ContrastivenessReport;
}

/**
 * Formats reports side by side like the paper's Table 1: one row per dataset, Jaccard ×100 and
 * Levenshtein with mean, standard deviation, median and the 10th–90th percentile range, then the median
 * length ratio chosen / rejected.
 *
 * @example
 * ```ts
 * console.log(formatReportTable([{ name: "clair", report }]));
 * ```
 */
export function formatReportTable(rows: readonly NamedReport[]): string {
  const header = [
    ["", "", "Jaccard ×100 (↑)", "", "", "", "Levenshtein (↓)", "", "", "", "chosen/rejected"],
    [
      "dataset",
      "pairs",
      "mean",
      "std",
      "median",
      "p10–p90",
      "mean",
      "std",
      "median",
      "p10–p90",
      "length (median)",
    ],
  ];
  const body = rows.map(({ name, report }) => [
    name,
    String(report.count),
    fixed(report.jaccard.mean, 2),
    fixed(report.jaccard.std, 2),
    fixed(report.jaccard.median, 2),
    range(report.jaccard, 1),
    fixed(report.levenshtein.mean, 0),
    fixed(report.levenshtein.std, 0),
    fixed(report.levenshtein.median, 0),
    range(report.levenshtein, 0),
    fixed(report.lengthRatio.median, 2),
  ]);
  const table = [...header, ...body];
  const widths = table[1]!.map((_, column) => Math.max(...table.slice(1).map((row) => width(row[column]!))));
  // The group titles span their four columns: widen the last column of a group if a title needs it.
  for (const [title, first] of [
    [header[0]![2]!, 2],
    [header[0]![6]!, 6],
  ] as const) {
    const span = widths.slice(first, first + 4).reduce((a, b) => a + b, 0) + 3 * 2;
    if (width(title) > span) widths[first + 3]! += width(title) - span;
  }
  const lines = table.map((row, r) => {
    if (r === 0) {
      // Group titles over their column groups.
      let line = pad("", widths[0]! + 2 + widths[1]!, "left");
      line += `  ${pad(row[2]!, widths.slice(2, 6).reduce((a, b) => a + b, 0) + 6, "left")}`;
      line += `  ${pad(row[6]!, widths.slice(6, 10).reduce((a, b) => a + b, 0) + 6, "left")}`;
      line += `  ${pad(row[10]!, widths[10]!, "right")}`;
      return line.trimEnd();
    }
    return row.map((cell, column) => pad(cell, widths[column]!, column === 0 ? "left" : "right")).join("  ");
  });
  const notes: string[] = [];
  for (const { name, report } of rows) {
    if (report.invalid > 0) notes.push(`${name}: ${report.invalid} invalid line(s) skipped`);
    if (report.identical > 0)
      notes.push(`${name}: ${report.identical} pair(s) with identical chosen and rejected`);
  }
  return [...lines, ...notes.map((note) => `note: ${note}`)].join("\n");
}

function fixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return "–";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  return value.toFixed(digits);
}

function range(summary: Summary, digits: number): string {
  if (summary.count === 0) return "–";
  return `${fixed(summary.p10, digits)}–${fixed(summary.p90, digits)}`;
}

function width(text: string): number {
  return [...text].length;
}

function pad(text: string, size: number, align: "left" | "right"): string {
  const fill = " ".repeat(Math.max(0, size - width(text)));
  return align === "left" ? text + fill : fill + text;
}
