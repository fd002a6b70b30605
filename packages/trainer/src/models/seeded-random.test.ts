import { describe, expect, it } from "vitest";
import { SeededRandom } from "./seeded-random.js";

describe("SeededRandom", () => {
  it("restores its state exactly and gives permutations", () => {
    const a = new SeededRandom(7);
    a.permutation(5);
    const b = new SeededRandom(a.state);
    expect(b.permutation(20)).toEqual(a.permutation(20));
    expect([...new SeededRandom(7).permutation(50)].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect(new SeededRandom(1).permutation(50)).not.toEqual(new SeededRandom(2).permutation(50));
  });

  it("draws the sequences tiny models, sampling and checkpoints were made with", () => {
    // Pinned from the two generators this class replaces (models' SeededRandom, the train loop's TrainRng).
    const rng = new SeededRandom(42);
    expect([rng.uniform(), rng.uniform()]).toEqual([0.6011037519201636, 0.44829055899754167]);
    expect(rng.state).toBe(3663131668);
    expect(rng.normal()).toBe(-0.9453528099747296);
    expect(new SeededRandom(7).permutation(10)).toEqual([6, 5, 8, 1, 2, 3, 4, 7, 9, 0]);
    expect(new SeededRandom(0x5eed5eed ^ 3).permutation(10)).toEqual([5, 4, 7, 2, 6, 1, 0, 9, 3, 8]);
  });
});
