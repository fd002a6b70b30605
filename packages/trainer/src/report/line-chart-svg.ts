/** One line of a {@link lineChartSvg} chart. */
export interface ChartSeries {
  readonly name: string;
  /** (x, y) points in x order; non-finite values are skipped. */
  readonly points: readonly (readonly [number, number])[];
  /** CSS colour (default: from a colour-blind-safe palette). */
  readonly color?: string;
  /** Draw the line dashed (e.g. the rejected answers, beside the chosen ones drawn solid). */
  readonly dashed?: boolean;
  /** Point markers (default: while the series has at most 60 points). */
  readonly markers?: boolean;
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

/** Options of {@link lineChartSvg} for several charts. */
export interface LineChartGridOptions {
  /** Panels per row (default: all in one row). */
  readonly columns?: number;
}

/** A text's box in panel coordinates (y grows downwards). */
export interface TextBox {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where {@link lineChartSvg} puts everything of one panel: the boxes its layout rules are stated on. */
export interface ChartLayout {
  readonly width: number;
  readonly height: number;
  /** The plot area: curves, grid and the zero line stay inside it. */
  readonly plot: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  readonly title: TextBox & { readonly fontSize: number };
  readonly xTicks: readonly (TextBox & { readonly value: number })[];
  readonly yTicks: readonly (TextBox & { readonly value: number })[];
  readonly xLabel: TextBox;
  /** The rotated y-axis label, as the box it covers once rotated. */
  readonly yLabel: TextBox & { readonly fontSize: number };
  /** One box per legend entry (swatch and name), right of the plot area. */
  readonly legend: readonly TextBox[];
  /** The data range the plot area maps. */
  readonly xDomain: readonly [number, number];
  readonly yDomain: readonly [number, number];
}

const PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"];
/** One panel's size. */
const [W, H] = [640, 400];
const FONT = 12;
const TITLE_FONT = 15;
const LINE = 1.25; // line height, in font sizes
const SWATCH = 24;
const LEGEND_ROW = 18;
/** Room between the plot's bottom edge and the x tick labels: more than the half line a y tick label at the bottom reaches down. */
const X_TICK_GAP = 9;
/** The Unicode minus sign: a hyphen-minus is too short to read as a sign in tick labels. */
const MINUS = "\u2212";

const xmlEscape = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/**
 * A generous estimate of a text's width in a sans-serif font (DejaVu Sans, Helvetica, Arial): the layout
 * reserves this much, so a real font never draws past it.
 */
export function textWidth(text: string, fontSize = FONT): number {
  let em = 0;
  for (const ch of text) {
    if (" .,:;'|!ilIjtf()[]".includes(ch)) em += 0.4;
    else if ("mwMW%@−—".includes(ch)) em += 0.95;
    else if (ch >= "A" && ch <= "Z") em += 0.75;
    else em += 0.66;
  }
  return em * fontSize;
}

/** The text, cut short with an ellipsis where it would be wider than `width`. */
function fit(text: string, width: number, fontSize: number): string {
  if (textWidth(text, fontSize) <= width) return text;
  const chars = [...text];
  while (chars.length > 0 && textWidth(`${chars.join("")}…`, fontSize) > width) chars.pop();
  return `${chars.join("").trimEnd()}…`;
}

/** Round tick values from lo to hi, about `count` of them; a step of at least 1 when `integer`. */
function niceTicks(
  lo: number,
  hi: number,
  count: number,
  integer: boolean,
): { ticks: number[]; step: number } {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = ([1, 2, 5, 10].find((f) => f * mag >= raw) ?? 10) * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++)
    ticks.push(Number((k * step).toPrecision(12)));
  return { ticks, step };
}

/** Tick labels with the decimals the step needs (all alike), a real minus sign, never "−0". */
function tickLabel(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const text = value.toFixed(decimals);
  if (Number(text) === 0) return (0).toFixed(decimals);
  return text.startsWith("-") ? `${MINUS}${text.slice(1)}` : text;
}

/**
 * Where one chart's title, plot area, tick labels, axis labels and legend go, such that none overlaps
 * another: the y tick labels set the left margin and the rotated y label sits left of them, the legend sits
 * right of the plot area, and tick counts drop until neighbouring labels keep apart.
 */
export function lineChartLayout(chart: LineChart): ChartLayout {
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
  const integerX = xs.length > 0 && xs.every((x) => Number.isInteger(x));

  // Vertical bands: title, plot, x tick labels, x label.
  const titleFont = Math.max(10, Math.min(TITLE_FONT, (W - 20) / Math.max(1, textWidth(chart.title, 1))));
  const title = fit(chart.title, W - 20, titleFont);
  // The top y tick label reaches half a line above the plot; keep it below the title.
  const top = 10 + titleFont * LINE + (FONT * LINE) / 2 + 4;
  const bottom = H - 10 - FONT * LINE - 6 - FONT * LINE - X_TICK_GAP;
  const plotHeight = bottom - top;

  // y ticks: fewer until the labels are a line and a half apart.
  let yt = niceTicks(y0, y1, 6, false);
  for (let count = 5; count >= 2 && plotHeight / Math.max(1, yt.ticks.length) < FONT * 1.5; count--)
    yt = niceTicks(y0, y1, count, false);
  const yLabels = yt.ticks.map((t) => tickLabel(t, yt.step));
  const yTickWidth = Math.max(0, ...yLabels.map((l) => textWidth(l)));

  // The rotated y label shrinks to the plot's height if it must.
  const yLabelFont = Math.max(9, Math.min(FONT, (plotHeight - 4) / Math.max(1, textWidth(chart.yLabel, 1))));
  const yLabelText = fit(chart.yLabel, plotHeight - 4, yLabelFont);
  const yLabelHeight = yLabelFont * LINE;
  const left = 6 + yLabelHeight + 8 + yTickWidth + 6;

  // The legend: right of the plot, as wide as its longest name.
  const named = chart.series.filter((s) => s.name !== "");
  const legendWidth =
    named.length === 0 ? 0 : SWATCH + 6 + Math.max(...named.map((s) => textWidth(s.name))) + 6;

  // x ticks: the last label may stick out right of the plot by half its width; keep the legend clear of it.
  let right = W - 10 - legendWidth;
  let xt = niceTicks(x0, x1, 6, integerX);
  let xLabels: string[] = [];
  for (let pass = 0; pass < 8; pass++) {
    const width = right - left;
    xLabels = xt.ticks.map((t) => tickLabel(t, xt.step));
    const spacing = (xt.step / (x1 - x0)) * width;
    const widest = Math.max(0, ...xLabels.map((l) => textWidth(l)));
    const lastHalf = textWidth(xLabels.at(-1) ?? "") / 2;
    const wantRight = W - 10 - legendWidth - (legendWidth > 0 ? Math.max(12, lastHalf + 8) : lastHalf);
    if (spacing < widest + 8 && xt.ticks.length > 2) {
      xt = niceTicks(x0, x1, Math.max(1, xt.ticks.length - 2), integerX);
      continue;
    }
    if (Math.abs(wantRight - right) < 0.5) break;
    right = wantRight;
  }
  const plot = { x: left, y: top, width: right - left, height: plotHeight };
  const sx = (x: number) => plot.x + ((x - x0) / (x1 - x0)) * plot.width;
  const sy = (y: number) => plot.y + (1 - (y - y0) / (y1 - y0)) * plot.height;

  const titleWidth = textWidth(title, titleFont);
  const xLabelText = fit(chart.xLabel, plot.width, FONT);
  const xLabelWidth = textWidth(xLabelText);
  const yLabelWidth = textWidth(yLabelText, yLabelFont);
  const legendX =
    plot.x + plot.width + (legendWidth > 0 ? Math.max(12, textWidth(xLabels.at(-1) ?? "") / 2 + 8) : 0);
  return {
    width: W,
    height: H,
    plot,
    title: {
      text: title,
      x: W / 2 - titleWidth / 2,
      y: 10,
      width: titleWidth,
      height: titleFont * LINE,
      fontSize: titleFont,
    },
    xTicks: xt.ticks
      .filter((t) => t >= x0 - 1e-9 && t <= x1 + 1e-9)
      .map((value) => {
        const text = tickLabel(value, xt.step);
        const width = textWidth(text);
        const y = plot.y + plot.height + X_TICK_GAP;
        return { text, value, x: sx(value) - width / 2, y, width, height: FONT * LINE };
      }),
    yTicks: yt.ticks.map((value, i) => {
      const text = yLabels[i] as string;
      const width = textWidth(text);
      const height = FONT * LINE;
      return { text, value, x: plot.x - 6 - width, y: sy(value) - height / 2, width, height };
    }),
    xLabel: {
      text: xLabelText,
      x: plot.x + plot.width / 2 - xLabelWidth / 2,
      y: plot.y + plot.height + X_TICK_GAP + FONT * LINE + 6,
      width: xLabelWidth,
      height: FONT * LINE,
    },
    yLabel: {
      text: yLabelText,
      x: 6,
      y: plot.y + plot.height / 2 - yLabelWidth / 2,
      width: yLabelHeight,
      height: yLabelWidth,
      fontSize: yLabelFont,
    },
    legend: named.map((s, i) => ({
      text: s.name,
      x: legendX,
      y: plot.y + i * LEGEND_ROW,
      width: SWATCH + 6 + textWidth(s.name),
      height: FONT * LINE,
    })),
    xDomain: [x0, x1],
    yDomain: [y0, y1],
  };
}

/**
 * A line chart, or several as panels of one figure (side by side, or in rows of `columns`), as a
 * standalone SVG document (no scripts, no external resources). Per panel: a title, axes with round ticks
 * (whole numbers when every x is one, a real minus sign), one polyline per series (dashed on request, with
 * point markers up to 60 points), and a legend right of the plot area (a series named "" has no entry).
 * No text overlaps another or a curve (see {@link lineChartLayout}).
 *
 * @example
 * ```ts
 * const svg = lineChartSvg({
 *   title: "Rewards", xLabel: "step", yLabel: "reward",
 *   series: [{ name: "chosen", points: [[0, 0], [10, 0.2]] }, { name: "rejected", points: [[0, 0], [10, -0.3]], dashed: true }],
 * });
 * await writeFile("rewards.svg", svg);
 * lineChartSvg([chosenPanel, rejectedPanel]); // two panels, 1280 × 400
 * lineChartSvg([a, b, c, d], { columns: 2 }); // a 2 × 2 grid, 1280 × 800
 * ```
 */
export function lineChartSvg(
  chart: LineChart | readonly LineChart[],
  options: LineChartGridOptions = {},
): string {
  if (!isPanels(chart)) return svgDocument(W, H, panelParts(chart));
  const columns = Math.max(1, Math.min(chart.length, options.columns ?? chart.length));
  const rows = Math.ceil(chart.length / columns);
  const panels = chart.map((c, i) => [
    `<g transform="translate(${(i % columns) * W} ${Math.floor(i / columns) * H})">`,
    ...panelParts(c),
    "</g>",
  ]);
  return svgDocument(W * columns, H * Math.max(1, rows), panels.flat());
}

function isPanels(chart: LineChart | readonly LineChart[]): chart is readonly LineChart[] {
  return Array.isArray(chart);
}

function svgDocument(width: number, height: number, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="${FONT}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...body,
    "</svg>\n",
  ].join("\n");
}

/** Baseline of a text drawn in a box of one line: about 80 % down the font size below the box top. */
const baseline = (box: TextBox, fontSize = FONT) =>
  box.y + (box.height - fontSize * LINE) / 2 + fontSize * 0.95;

/** One chart's elements, drawn in the box (0, 0)–(W, H). */
function panelParts(chart: LineChart): string[] {
  const layout = lineChartLayout(chart);
  const { plot } = layout;
  const [x0, x1] = layout.xDomain;
  const [y0, y1] = layout.yDomain;
  const sx = (x: number) => plot.x + ((x - x0) / (x1 - x0)) * plot.width;
  const sy = (y: number) => plot.y + (1 - (y - y0) / (y1 - y0)) * plot.height;
  const f = (v: number) => v.toFixed(2);
  const t = layout.title;
  const parts: string[] = [
    `<text x="${f(t.x + t.width / 2)}" y="${f(baseline(t, t.fontSize))}" text-anchor="middle" font-size="${f(t.fontSize)}">${xmlEscape(t.text)}</text>`,
  ];
  for (const tick of layout.xTicks) {
    const x = sx(tick.value);
    parts.push(
      `<line x1="${f(x)}" y1="${f(plot.y)}" x2="${f(x)}" y2="${f(plot.y + plot.height)}" stroke="#eee"/>`,
      `<text x="${f(x)}" y="${f(baseline(tick))}" text-anchor="middle">${xmlEscape(tick.text)}</text>`,
    );
  }
  for (const tick of layout.yTicks) {
    const y = sy(tick.value);
    parts.push(
      `<line x1="${f(plot.x)}" y1="${f(y)}" x2="${f(plot.x + plot.width)}" y2="${f(y)}" stroke="#eee"/>`,
      `<text x="${f(plot.x - 6)}" y="${f(baseline(tick))}" text-anchor="end">${xmlEscape(tick.text)}</text>`,
    );
  }
  if (chart.zeroLine && y0 < 0 && y1 > 0) {
    parts.push(
      `<line x1="${f(plot.x)}" y1="${f(sy(0))}" x2="${f(plot.x + plot.width)}" y2="${f(sy(0))}" stroke="#888" stroke-dasharray="4 3"/>`,
    );
  }
  const xl = layout.xLabel;
  const yl = layout.yLabel;
  // The rotated label's baseline is the right edge of its box less the descent.
  const yLabelX = yl.x + yl.width - (yl.width - yl.fontSize * LINE) / 2 - yl.fontSize * 0.3;
  parts.push(
    `<rect x="${f(plot.x)}" y="${f(plot.y)}" width="${f(plot.width)}" height="${f(plot.height)}" fill="none" stroke="#333"/>`,
    `<text x="${f(xl.x + xl.width / 2)}" y="${f(baseline(xl))}" text-anchor="middle">${xmlEscape(xl.text)}</text>`,
    `<text transform="translate(${f(yLabelX)} ${f(yl.y + yl.height / 2)}) rotate(-90)" text-anchor="middle" font-size="${f(yl.fontSize)}">${xmlEscape(yl.text)}</text>`,
  );
  const named = chart.series.filter((s) => s.name !== "");
  chart.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : "";
    const points = chart.series[i]?.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)) ?? [];
    const path = points.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(" ");
    if (path !== "") {
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${path}"><title>${xmlEscape(s.name)}</title></polyline>`,
      );
    }
    // Markers while points are sparse (evaluations), so a single evaluation still shows.
    if (s.markers ?? points.length <= 60) {
      for (const [x, y] of points)
        parts.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="2.5" fill="${color}"/>`);
    }
    const entry = layout.legend[named.indexOf(s)];
    if (entry !== undefined) {
      const y = entry.y + entry.height / 2;
      parts.push(
        `<line x1="${f(entry.x)}" y1="${f(y)}" x2="${f(entry.x + SWATCH)}" y2="${f(y)}" stroke="${color}" stroke-width="3"${dash}/>`,
        `<text x="${f(entry.x + SWATCH + 6)}" y="${f(baseline(entry))}">${xmlEscape(s.name)}</text>`,
      );
    }
  });
  return parts;
}
