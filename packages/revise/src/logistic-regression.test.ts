import { describe, expect, it } from "vitest";
import { fitLogisticRegression, sigmoid } from "./logistic-regression.js";

// The Challenger O-ring data (Dalal, Fowlkes & Hoadley 1989): launch temperature (°F) and whether any
// O-ring was damaged. Textbooks report the fit logit P(damage) = 15.0429 − 0.2322 · temperature; the
// full-precision reference is an independent numpy Newton solve (50 steps, np.linalg.solve).
const TEMPERATURE = [
  66, 70, 69, 68, 67, 72, 73, 70, 57, 63, 70, 78, 67, 53, 67, 75, 70, 81, 76, 79, 75, 76, 58,
];
const DAMAGE = [0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1];

describe("fitLogisticRegression", () => {
  it("matches the known Challenger fit to 1e-9 (the textbook's 15.0429 and -0.2322 to 1e-4)", () => {
    const fit = fitLogisticRegression([TEMPERATURE], DAMAGE);
    expect(fit.converged).toBe(true);
    const [b0 = 0, b1 = 0] = fit.coefficients;
    expect(b0).toBeCloseTo(15.042901647702434, 9);
    expect(b1).toBeCloseTo(-0.23216274421859637, 9);
    expect(b0).toBeCloseTo(15.0429, 4);
    expect(b1).toBeCloseTo(-0.2322, 4);
    expect(fit.iterations).toBeLessThan(15);
  });

  it("equals the closed form of one binary feature (each group's log-odds) to 1e-12", () => {
    // group 0: 3 of 4 positive, group 1: 2 of 5 positive
    const x = [0, 0, 0, 0, 1, 1, 1, 1, 1];
    const y = [1, 1, 1, 0, 1, 1, 0, 0, 0];
    const { coefficients, converged } = fitLogisticRegression([x], y);
    expect(converged).toBe(true);
    const logit = (p: number) => Math.log(p / (1 - p));
    expect(Math.abs((coefficients[0] as number) - logit(3 / 4))).toBeLessThan(1e-12);
    expect(Math.abs((coefficients[1] as number) - (logit(2 / 5) - logit(3 / 4)))).toBeLessThan(1e-12);
  });

  it("fits fractional targets with weights as numpy does, and its gradient is zero there", () => {
    const d = [
      0.3324535783975796, 0.6759496372729188, 0.3189134546171007, -0.8625337275643847, 0.71889574335604,
      0.41891434712618086, -0.4906782168459736, 0.5234776161509663, 0.34923515021338986, 0.2859339112984431,
      0.02841459040034911, 0.49805261113060095,
    ];
    const y = [1, 0.5, 0, 1, 1, 0.5, 0, 1, 0.5, 1, 0, 1];
    const w = [1, 2, 1, 0, 3, 1, 1, 2, 1, 1, 1, 1];
    const { coefficients } = fitLogisticRegression([d], y, { weights: w });
    const [b0 = 0, b1 = 0] = coefficients;
    expect(b0).toBeCloseTo(-1.4619519048680223, 10);
    expect(b1).toBeCloseTo(5.284145105634803, 10);
    let g0 = 0;
    let g1 = 0;
    for (let i = 0; i < d.length; i++) {
      const r = (w[i] ?? 0) * ((y[i] ?? 0) - sigmoid(b0 + b1 * (d[i] ?? 0)));
      g0 += r;
      g1 += r * (d[i] ?? 0);
    }
    expect(Math.abs(g0)).toBeLessThan(1e-12);
    expect(Math.abs(g1)).toBeLessThan(1e-12);
  });

  it("weights are repeats: weight 2 fits like the row written twice", () => {
    const once = fitLogisticRegression([[1, 2, 3, 4]], [0, 1, 0, 1], { weights: [1, 2, 1, 1] });
    const twice = fitLogisticRegression([[1, 2, 2, 3, 4]], [0, 1, 1, 0, 1]);
    expect((once.coefficients[0] as number) - (twice.coefficients[0] as number)).toBeCloseTo(0, 12);
    expect((once.coefficients[1] as number) - (twice.coefficients[1] as number)).toBeCloseTo(0, 12);
  });

  it("a ridge penalty shrinks the slope and solves its own score equation", () => {
    const free = fitLogisticRegression([TEMPERATURE], DAMAGE);
    const ridge = fitLogisticRegression([TEMPERATURE], DAMAGE, { l2: 100 });
    expect(Math.abs(ridge.coefficients[1] as number)).toBeLessThan(Math.abs(free.coefficients[1] as number));
    let g1 = 0;
    const [b0 = 0, b1 = 0] = ridge.coefficients;
    for (let i = 0; i < DAMAGE.length; i++)
      g1 += ((DAMAGE[i] ?? 0) - sigmoid(b0 + b1 * (TEMPERATURE[i] ?? 0))) * (TEMPERATURE[i] ?? 0);
    expect(g1 - 100 * b1).toBeCloseTo(0, 8);
  });

  it("separable data: not converged, and the fitted probabilities reach their limits", () => {
    const all = fitLogisticRegression([[1, 2, 3]], [1, 1, 1]);
    expect(all.converged).toBe(false);
    expect(sigmoid(all.coefficients[0] as number)).toBeGreaterThan(1 - 1e-9);
    const split = fitLogisticRegression([[-2, -1, 1, 2]], [0, 0, 1, 1]);
    expect(split.converged).toBe(false);
    expect(sigmoid(split.coefficients[0] as number)).toBeCloseTo(0.5, 6);
  });

  it("refuses targets outside [0, 1] and ragged columns", () => {
    expect(() => fitLogisticRegression([[1, 2]], [0, 2])).toThrow(/target 1 is 2/);
    expect(() => fitLogisticRegression([[1, 2, 3]], [0, 1])).toThrow(RangeError);
  });
});
