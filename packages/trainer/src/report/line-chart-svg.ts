/** One line of a {@link lineChartSvg} chart. */
export interface ChartSeries {
  readonly name: string;
  /** (x, y) points in x order; non-finite values are skipped. */
  readonly points: readonly (readonly [number, number])[];
  /** CSS colour (default: from a colour-blind-safe palette). */
  readonly color?: string;
}

/** What {@link lineChartSvg} draws. */
export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  /** Draw a dashed horizontal line at y = 0 when it is in range (rewards start at 0). */
  readonly zeroLine?: boolean;
}

const PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"];
const [W, H] = [640, 400];
const M = { left: 70, right: 20, top: 40, bottom: 70 };

const xmlEscape = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((f) => f * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push(Number(t.toPrecision(12)));
  return out;
}

const label = (v: number) =>
  Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(v);

/**
 * A line chart, or several side by side (one panel each, as a paper's multi-panel figure), as a standalone
 * SVG document (no scripts, no external resources): per panel, axes with ticks, one polyline per series
 * (with point markers up to 60 points), a legend below.
 *
 * @example
 * ```ts
 * const svg = lineChartSvg({
 *   title: "Rewards", xLabel: "step", yLabel: "reward",
 *   series: [{ name: "chosen", points: [[0, 0], [10, 0.2]] }],
 * });
 * await writeFile("rewards.svg", svg);
 * lineChartSvg([chosenPanel, rejectedPanel]); // two panels, 1280 × 400
 * ```
 */
export function lineChartSvg(chart: LineChart | readonly LineChart[]): string {
  if (!isPanels(chart)) return svgDocument(W, panelParts(chart));
  const panels = chart.map((c, i) => [`<g transform="translate(${i * W} 0)">`, ...panelParts(c), "</g>"]);
  return svgDocument(W * chart.length, panels.flat());
}

function isPanels(chart: LineChart | readonly LineChart[]): chart is readonly LineChart[] {
  return Array.isArray(chart);
}

function svgDocument(width: number, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${H}" fill="white"/>`,
    ...body,
    "</svg>\n",
  ].join("\n");
}

/** One chart's elements, drawn in the box (0, 0)–(W, H). */
function panelParts(chart: LineChart): string[] {
  const finite = chart.series.map((s) =>
    s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  );
  const xs = finite.flat().map(([x]) => x);
  const ys = finite.flat().map(([, y]) => y);
  if (chart.zeroLine) ys.push(0);
  let [x0, x1] = xs.length === 0 ? [0, 1] : [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = ys.length === 0 ? [0, 1] : [Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - Math.max(1, Math.abs(y0)) * 0.1, y1 + Math.max(1, Math.abs(y1)) * 0.1];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number) => M.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => M.top + (1 - (y - y0) / (y1 - y0)) * ph;
  const f = (v: number) => v.toFixed(2);
  const parts: string[] = [
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${xmlEscape(chart.title)}</text>`,
  ];
  for (const t of niceTicks(x0, x1, 6)) {
    parts.push(
      `<line x1="${f(sx(t))}" y1="${M.top}" x2="${f(sx(t))}" y2="${M.top + ph}" stroke="#eee"/>`,
      `<text x="${f(sx(t))}" y="${M.top + ph + 16}" text-anchor="middle">${label(t)}</text>`,
    );
  }
  for (const t of niceTicks(y0, y1, 6)) {
    parts.push(
      `<line x1="${M.left}" y1="${f(sy(t))}" x2="${M.left + pw}" y2="${f(sy(t))}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${label(t)}</text>`,
    );
  }
  if (chart.zeroLine && y0 < 0 && y1 > 0) {
    parts.push(
      `<line x1="${M.left}" y1="${f(sy(0))}" x2="${M.left + pw}" y2="${f(sy(0))}" stroke="#888" stroke-dasharray="4 3"/>`,
    );
  }
  parts.push(
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${M.left + pw / 2}" y="${M.top + ph + 34}" text-anchor="middle">${xmlEscape(chart.xLabel)}</text>`,
    `<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${xmlEscape(chart.yLabel)}</text>`,
  );
  chart.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const points = (finite[i] ?? []).map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(" ");
    if (points !== "") {
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"><title>${xmlEscape(s.name)}</title></polyline>`,
      );
    }
    // Markers while points are sparse (evaluations), so a single evaluation still shows.
    if ((finite[i] ?? []).length <= 60) {
      for (const [x, y] of finite[i] ?? []) {
        parts.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="2.5" fill="${color}"/>`);
      }
    }
    const lx = M.left + i * 150;
    parts.push(
      `<line x1="${lx}" y1="${H - 14}" x2="${lx + 24}" y2="${H - 14}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${lx + 30}" y="${H - 10}">${xmlEscape(s.name)}</text>`,
    );
  });
  return parts;
}
