import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { figure3Curves } from "./figure3.js";
import { runLossesExample } from "./main.js";

it("prints the gradient table and writes Figure 3", () => {
  const lines: string[] = [];
  const file = runLossesExample(mkdtempSync(join(tmpdir(), "losses-basic-")), (l) => lines.push(l));
  const svg = readFileSync(file, "utf8");
  expect(svg.startsWith("<svg")).toBe(true);
  expect(svg.match(/<polyline /g)?.length).toBe(6);
  expect(lines.some((l) => l.startsWith("| at init"))).toBe(true);
});

it("shows the paper's directions: APO-zero raises y_w and lowers y_l, APO-down lowers both", () => {
  const curves = Object.fromEntries(figure3Curves().map((c) => [c.label, c]));
  const at = (points: ReadonlyArray<readonly [number, number]>, x: number) =>
    points.find((p) => Math.abs(p[0] - x) < 1e-9)?.[1] as number;
  expect(at(curves["APO-zero"]!.chosen, 1)).toBeGreaterThan(0);
  expect(at(curves["APO-zero"]!.rejected, 1)).toBeLessThan(0);
  expect(at(curves["APO-down"]!.chosen, 2)).toBeLessThan(0);
  expect(at(curves["APO-down"]!.chosen, 0)).toBeLessThan(0);
  expect(at(curves["APO-down"]!.rejected, 0)).toBeLessThan(0);
  expect(at(curves.DPO!.chosen, 1)).toBeGreaterThan(0);
});
