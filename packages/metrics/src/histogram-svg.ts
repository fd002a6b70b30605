import { quantileOfSorted } from "./summary.js";

/** A dataset's per-pair values to plot. */
export interface HistogramInput {
  name: string;
  /** Jaccard ×100 per pair. */
  jaccard: ArrayLike<number>;
  /** Levenshtein distance per pair. */
  levenshtein: ArrayLike<number>;
}

/** Options of {@link renderHistogramsSvg}. */
export interface HistogramOptions {
  /** Bars per histogram; 20 by default. */
  bins?: number;
}

const PANEL_WIDTH = 360;
const PANEL_HEIGHT = 170;
const MARGIN = { left: 46, right: 20, top: 38, bottom: 30 };
const COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"];

/**
 * A self-contained SVG image with one row per dataset and two histograms per row: Jaccard ×100 on a fixed
 * 0–100 axis, and Levenshtein on an axis shared by every dataset (0 to the largest 99th percentile,
 * rounded up to a round tick; larger values go into the last bar), so the rows compare at a glance. A
 * dashed line marks the mean, a solid one the median.
 *
 * @example
 * ```ts
 * writeFileSync("table1.svg", renderHistogramsSvg([{ name: "clair", ...report.values }]));
 * ```
 */
export function renderHistogramsSvg(
  datasets: readonly HistogramInput[],
  options: HistogramOptions = {},
): string {
  const bins = options.bins ?? 20;
  let levenshteinMax = 1;
  for (const dataset of datasets) {
    const sorted = Float64Array.from(dataset.levenshtein).sort();
    if (sorted.length > 0) levenshteinMax = Math.max(levenshteinMax, quantileOfSorted(sorted, 0.99));
  }
  const levenshteinStep = niceStep(levenshteinMax / 4);
  levenshteinMax = Math.ceil(levenshteinMax / levenshteinStep) * levenshteinStep;
  const width = 2 * PANEL_WIDTH;
  const height = Math.max(1, datasets.length) * PANEL_HEIGHT;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  datasets.forEach((dataset, row) => {
    const color = COLORS[row % COLORS.length]!;
    parts.push(
      panel(
        0,
        row * PANEL_HEIGHT,
        `${dataset.name}: Jaccard ×100 (↑)`,
        dataset.jaccard,
        100,
        20,
        bins,
        color,
      ),
      panel(
        PANEL_WIDTH,
        row * PANEL_HEIGHT,
        `${dataset.name}: Levenshtein (↓)`,
        dataset.levenshtein,
        levenshteinMax,
        levenshteinStep,
        bins,
        color,
      ),
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function panel(
  x0: number,
  y0: number,
  title: string,
  values: ArrayLike<number>,
  hi: number,
  tick: number,
  bins: number,
  color: string,
): string {
  const lo = 0;
  const counts = new Array<number>(bins).fill(0);
  let sum = 0;
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    finite.push(v);
    sum += v;
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins)));
    counts[bin]!++;
  }
  finite.sort((a, b) => a - b);
  const mean = finite.length > 0 ? sum / finite.length : Number.NaN;
  const median = quantileOfSorted(finite, 0.5);
  const plotWidth = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const left = x0 + MARGIN.left;
  const top = y0 + MARGIN.top;
  const bottom = top + plotHeight;
  const peak = Math.max(1, ...counts);
  const xOf = (v: number) => left + ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * plotWidth;
  const out: string[] = [`<g>`];
  const stats =
    finite.length > 0
      ? `n = ${finite.length}, mean ${mean.toFixed(1)} (dashed), median ${median.toFixed(1)} (solid)`
      : "no data";
  out.push(`<text x="${x0 + 8}" y="${y0 + 15}" font-weight="600">${escapeXml(title)}</text>`);
  out.push(`<text x="${x0 + 8}" y="${y0 + 28}" fill="#555" font-size="10">${escapeXml(stats)}</text>`);
  const barWidth = plotWidth / bins;
  counts.forEach((count, bin) => {
    if (count === 0) return;
    const h = (count / peak) * plotHeight;
    out.push(
      `<rect x="${fmt(left + bin * barWidth + 0.5)}" y="${fmt(bottom - h)}" width="${fmt(barWidth - 1)}" height="${fmt(h)}" fill="${color}" fill-opacity="0.8"><title>${fmt(lo + (bin * (hi - lo)) / bins)}–${fmt(lo + ((bin + 1) * (hi - lo)) / bins)}: ${count}</title></rect>`,
    );
  });
  // Axes and ticks.
  out.push(`<line x1="${left}" y1="${bottom}" x2="${left + plotWidth}" y2="${bottom}" stroke="#333"/>`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`);
  for (let v = lo; v <= hi + tick / 2; v += tick) {
    const x = xOf(v);
    out.push(`<line x1="${fmt(x)}" y1="${bottom}" x2="${fmt(x)}" y2="${bottom + 4}" stroke="#333"/>`);
    out.push(`<text x="${fmt(x)}" y="${bottom + 16}" text-anchor="middle">${fmt(v)}</text>`);
  }
  out.push(`<text x="${left - 6}" y="${top + 4}" text-anchor="end">${peak}</text>`);
  out.push(`<text x="${left - 6}" y="${bottom}" text-anchor="end">0</text>`);
  if (finite.length > 0) {
    out.push(
      `<line x1="${fmt(xOf(mean))}" y1="${top}" x2="${fmt(xOf(mean))}" y2="${bottom}" stroke="#222" stroke-dasharray="4 3"><title>mean ${mean.toFixed(2)}</title></line>`,
    );
    out.push(
      `<line x1="${fmt(xOf(median))}" y1="${top}" x2="${fmt(xOf(median))}" y2="${bottom}" stroke="#222"><title>median ${median.toFixed(2)}</title></line>`,
    );
  }
  out.push("</g>");
  return out.join("\n");
}

/** 1, 2, 2.5 or 5 times a power of ten, at least `value` (and at least 1). */
function niceStep(value: number): number {
  if (!(value > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5]) if (step * power >= value) return step * power;
  return 10 * power;
}

function fmt(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
