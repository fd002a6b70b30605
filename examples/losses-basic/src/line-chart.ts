/** One curve of a line chart. */
export interface Series {
  label: string;
  color: string;
  points: ReadonlyArray<readonly [number, number]>;
}

/** A panel: a title, axis labels and its curves. */
export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
}

const W = 420;
const H = 300;
const PAD = { left: 56, right: 16, top: 36, bottom: 44 };

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function ticks(lo: number, hi: number, count = 5): number[] {
  const step = (hi - lo) / (count - 1);
  return Array.from({ length: count }, (_, i) => lo + i * step);
}

function panelSvg(panel: Panel, offsetX: number): string {
  const xs = panel.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = panel.series.flatMap((s) => s.points.map((p) => p[1]));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y1 - y0 < 1e-12) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = 0.05 * (y1 - y0);
  [y0, y1] = [y0 - pad, y1 + pad];
  const sx = (x: number) => offsetX + PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const sy = (y: number) => PAD.top + (1 - (y - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [
    `<text x="${offsetX + W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(panel.title)}</text>`,
    y0 < 0 && y1 > 0
      ? `<line x1="${sx(x0)}" y1="${sy(0)}" x2="${sx(x1)}" y2="${sy(0)}" stroke="#999" stroke-dasharray="3,3"/>`
      : "",
    `<rect x="${offsetX + PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="none" stroke="#333"/>`,
  ];
  for (const t of ticks(x0, x1)) {
    parts.push(
      `<text x="${sx(t)}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="11">${t.toFixed(1)}</text>`,
    );
  }
  for (const t of ticks(y0, y1)) {
    parts.push(
      `<text x="${offsetX + PAD.left - 6}" y="${sy(t) + 4}" text-anchor="end" font-size="11">${t.toFixed(3)}</text>`,
    );
  }
  parts.push(
    `<text x="${offsetX + W / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeXml(panel.xLabel)}</text>`,
  );
  parts.push(
    `<text x="${offsetX + 14}" y="${H / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${offsetX + 14} ${H / 2})">${escapeXml(panel.yLabel)}</text>`,
  );
  panel.series.forEach((s, i) => {
    const d = s.points
      .map((p, k) => `${k === 0 ? "M" : "L"}${sx(p[0]).toFixed(2)},${sy(p[1]).toFixed(2)}`)
      .join(" ");
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    const ly = PAD.top + 14 + i * 16;
    parts.push(
      `<line x1="${offsetX + W - 150}" y1="${ly - 4}" x2="${offsetX + W - 130}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${offsetX + W - 125}" y="${ly}" font-size="11">${escapeXml(s.label)}</text>`);
  });
  return parts.join("\n");
}

/**
 * Renders panels side by side as a self-contained SVG document.
 * @example lineChartSvg([{ title: "f", xLabel: "x", yLabel: "y", series: [{ label: "x²", color: "#c00", points }] }])
 */
export function lineChartSvg(panels: readonly Panel[]): string {
  const body = panels.map((p, i) => panelSvg(p, i * W)).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W * panels.length}" height="${H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}
