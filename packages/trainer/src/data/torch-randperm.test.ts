import { describe, expect, it } from "vitest";
import { torchRandperm } from "./torch-randperm.js";

// Orders recorded from torch 2.13 (`torch.randperm(n, generator=torch.Generator().manual_seed(seed))`) and
// from a real TRL 1.13 DPOTrainer run (24 rows, seed 42: epochs 0 and 1 use seeds 42 and 43).
const TORCH: { n: number; seed: number; order: number[] }[] = [
  {
    n: 24,
    seed: 42,
    order: [6, 15, 22, 2, 10, 19, 3, 18, 14, 17, 4, 13, 8, 9, 1, 5, 12, 23, 21, 20, 7, 11, 16, 0],
  },
  {
    n: 24,
    seed: 43,
    order: [4, 12, 7, 22, 9, 6, 5, 20, 0, 13, 19, 3, 18, 16, 21, 8, 10, 23, 1, 11, 17, 2, 14, 15],
  },
  { n: 10, seed: 0, order: [4, 1, 7, 5, 3, 9, 0, 8, 6, 2] },
  { n: 10, seed: 1, order: [5, 6, 1, 2, 0, 8, 9, 3, 7, 4] },
];

describe("torchRandperm", () => {
  it.each(TORCH)("equals torch.randperm($n) with seed $seed", ({ n, seed, order }) => {
    expect(torchRandperm(n, seed)).toEqual(order);
  });

  it("equals torch past one MT19937 block (n 5000, seed 7), and is trivial at 0 and 1", () => {
    const p = torchRandperm(5000, 7);
    expect(p.slice(0, 8)).toEqual([1615, 4214, 1149, 2766, 855, 992, 2481, 537]);
    expect(p.slice(-8)).toEqual([1767, 1917, 2243, 1353, 3243, 4559, 302, 3157]);
    expect(p.reduce((sum, x, i) => sum + i * x, 0)).toBe(31095950964);
    expect(torchRandperm(0, 1)).toEqual([]);
    expect(torchRandperm(1, 1)).toEqual([0]);
  });
});
