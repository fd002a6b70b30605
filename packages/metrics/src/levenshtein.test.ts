import { distance as fastestLevenshtein } from "fastest-levenshtein";
import { describe, expect, it } from "vitest";
import { prng } from "../bench/text.js";
import { levenshtein, levenshteinSequences } from "./levenshtein.js";

/** The textbook dynamic program over code points (or code units), two rows. */
function reference(a: string, b: string, unit: "code-point" | "code-unit" = "code-point"): number {
  const x =
    unit === "code-point"
      ? Array.from(a, (c) => c.codePointAt(0)!)
      : Array.from({ length: a.length }, (_, i) => a.charCodeAt(i));
  const y =
    unit === "code-point"
      ? Array.from(b, (c) => c.codePointAt(0)!)
      : Array.from({ length: b.length }, (_, i) => b.charCodeAt(i));
  let prev = new Int32Array(y.length + 1);
  let cur = new Int32Array(y.length + 1);
  for (let j = 0; j <= y.length; j++) prev[j] = j;
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    const xi = x[i - 1];
    for (let j = 1; j <= y.length; j++) {
      const diagonal = prev[j - 1]! + (xi === y[j - 1] ? 0 : 1);
      const side = Math.min(prev[j]!, cur[j - 1]!) + 1;
      cur[j] = diagonal < side ? diagonal : side;
    }
    [prev, cur] = [cur, prev];
  }
  return prev[y.length]!;
}

const ALPHABETS = [
  ["a"],
  ["a", "b"],
  ["a", "c", "g", "t"],
  [..."abcdefghijklmnopqrstuvwxyz .,"],
  ["😀", "😁", "a", "b"], // astral characters share their high surrogate
  ["𠀀", "𠀁", "𪚥", "中"], // CJK extension B and the basic plane
  ["e", "\u0301", "é", "\r\n", "\n"], // combining marks, CRLF
];

function randomText(rand: () => number, alphabet: readonly string[], length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
  return text;
}

/** `text` with about `rate` of its characters edited (substituted, deleted or inserted). */
function mutate(rand: () => number, text: string, alphabet: readonly string[], rate: number): string {
  const chars = Array.from(text);
  const edits = Math.round(chars.length * rate);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * (chars.length + 1));
    const op = rand();
    const c = alphabet[Math.floor(rand() * alphabet.length)]!;
    if (op < 0.34) chars.splice(at, 1);
    else if (op < 0.67) chars.splice(at, 0, c);
    else chars[at] = c;
  }
  return chars.join("");
}

function expectExact(a: string, b: string): void {
  const want = reference(a, b);
  const got = levenshtein(a, b);
  if (got !== want) expect({ a, b, got }).toEqual({ a, b, got: want });
}

describe("levenshtein against the dynamic program", () => {
  it("agrees on thousands of random pairs over small and large alphabets", () => {
    const rand = prng(1);
    for (let trial = 0; trial < 4000; trial++) {
      const alphabet = ALPHABETS[trial % ALPHABETS.length]!;
      const a = randomText(rand, alphabet, Math.floor(rand() * (trial < 3000 ? 70 : 300)));
      const b =
        rand() < 0.5
          ? mutate(rand, a, alphabet, rand() * 0.5)
          : randomText(rand, alphabet, Math.floor(rand() * 300));
      expectExact(a, b);
    }
  });

  it("agrees on long pairs, where the beam and the band take over", () => {
    const rand = prng(2);
    const alphabet = [..."abcdefghijklmnopqrstuvwxyz     .,\n"];
    for (const [length, rate] of [
      [500, 0.02],
      [1200, 0.1],
      [2000, 0.3],
      [2500, 0.6],
      [3000, 0.05],
      [3000, 1],
    ] as const) {
      const a = randomText(rand, alphabet, length);
      expectExact(a, mutate(rand, a, alphabet, rate));
      expectExact(a, randomText(rand, alphabet, Math.floor(length * (0.5 + rand()))));
    }
  });

  it("handles empty, identical, one-character and disjoint inputs", () => {
    const cases: [string, string, number][] = [
      ["", "", 0],
      ["", "abc", 3],
      ["abc", "", 3],
      ["a", "a", 0],
      ["a", "b", 1],
      ["a", "", 1],
      ["same text", "same text", 0],
      ["aaaa", "bbbb", 4],
      ["abc", "xyzw", 4],
      ["kitten", "sitting", 3],
      ["flaw", "lawn", 2],
      ["😀", "", 1],
    ];
    for (const [a, b, d] of cases) {
      expect(levenshtein(a, b)).toBe(d);
      expect(reference(a, b)).toBe(d);
    }
    const disjoint = "x".repeat(5000);
    expect(levenshtein(disjoint, "y".repeat(3000))).toBe(5000);
  });

  it("is exact at word and strip boundaries (31–33, 63–65, 95–97, 127–129 characters)", () => {
    const rand = prng(3);
    for (const length of [1, 2, 31, 32, 33, 63, 64, 65, 95, 96, 97, 127, 128, 129, 191, 192, 193]) {
      for (const alphabet of [ALPHABETS[1]!, ALPHABETS[3]!, ALPHABETS[4]!]) {
        const a = randomText(rand, alphabet, length);
        for (const other of [length - 1, length, length + 1, 0, 1, 33, 65]) {
          if (other < 0) continue;
          expectExact(a, randomText(rand, alphabet, other));
          expectExact(a, mutate(rand, a, alphabet, 0.1));
        }
      }
    }
  });

  it("finds edits only at the start or only at the end", () => {
    const body = "The quick brown fox jumps over the lazy dog. ".repeat(40);
    expectExact(`X${body}`, `Y${body}`);
    expectExact(`${body}X`, `${body}YZ`);
    expectExact(`AB${body}`, body);
    expectExact(body, `${body.slice(0, -3)}`);
    expect(levenshtein(`start${body}`, body)).toBe(5);
  });

  it("handles astral characters, combining marks and CRLF as code points", () => {
    expectExact("naïve café 😀", "naive cafe\u0301 😁");
    expectExact("line one\r\nline two\r\n", "line one\nline two\n");
    expectExact("𠀀𠀁𠀂 and 𪚥", "𠀀𠀂 or 𪚥𪚥");
    expect(levenshtein("e\u0301", "é")).toBe(2); // decomposed vs precomposed: not normalized
  });

  it("is exact on 20,000-character texts (fastest-levenshtein as the oracle, and planted edits)", () => {
    const rand = prng(4);
    const alphabet = [..."abcdefghijklmnopqrstuvwxyz     .,"];
    const a = randomText(rand, alphabet, 20_000);
    const b = mutate(rand, a, alphabet, 0.05);
    expect(levenshtein(a, b, { unit: "code-unit" })).toBe(fastestLevenshtein(a, b));
    // Planted: k characters from outside a's alphabet, each needing its own edit, so d = k exactly.
    const chars = Array.from(a);
    for (let k = 0; k < 300; k++) chars[Math.floor((k * 20_000) / 300)] = "€";
    expect(levenshtein(a, chars.join(""))).toBe(300);
    chars.splice(10_000, 0, ..."🙂".repeat(50));
    expect(levenshtein(a, chars.join(""))).toBe(350);
  });
});

describe("levenshtein properties", () => {
  it("is a metric: d(a, a) = 0, symmetry, triangle inequality, length bounds", () => {
    const rand = prng(5);
    for (let trial = 0; trial < 400; trial++) {
      const alphabet = ALPHABETS[trial % ALPHABETS.length]!;
      const a = randomText(rand, alphabet, Math.floor(rand() * 150));
      const b = mutate(rand, a, alphabet, rand() * 0.6);
      const c = mutate(rand, b, alphabet, rand() * 0.6);
      const ab = levenshtein(a, b);
      const la = Array.from(a).length;
      const lb = Array.from(b).length;
      expect(levenshtein(a, a)).toBe(0);
      expect(levenshtein(b, a)).toBe(ab);
      expect(ab).toBeLessThanOrEqual(levenshtein(a, c) + levenshtein(c, b));
      expect(ab).toBeGreaterThanOrEqual(Math.abs(la - lb));
      expect(ab).toBeLessThanOrEqual(Math.max(la, lb));
    }
  });
});

describe("code points and code units", () => {
  it("counts an astral character once by default and twice per UTF-16 unit with unit: code-unit", () => {
    // One emoji more: one code point, two code units.
    expect(levenshtein("a😀", "a")).toBe(1);
    expect(levenshtein("a😀", "a", { unit: "code-unit" })).toBe(2);
    expect(fastestLevenshtein("a😀", "a")).toBe(2);
    // Two astral characters from different high surrogates: one substitution, or two units.
    expect(levenshtein("😀", "𠀀")).toBe(1);
    expect(levenshtein("😀", "𠀀", { unit: "code-unit" })).toBe(2);
    // Two emoji that share the high surrogate differ in one unit either way.
    expect(levenshtein("😀", "😁", { unit: "code-unit" })).toBe(1);
  });

  it("matches fastest-levenshtein in code-unit mode on random astral text", () => {
    const rand = prng(6);
    for (let trial = 0; trial < 300; trial++) {
      const alphabet = ALPHABETS[4 + (trial % 2)]!;
      const a = randomText(rand, alphabet, Math.floor(rand() * 120));
      const b = mutate(rand, a, alphabet, 0.3);
      expect(levenshtein(a, b, { unit: "code-unit" })).toBe(fastestLevenshtein(a, b));
      expect(levenshtein(a, b)).toBe(reference(a, b));
    }
  });
});

describe("maxDistance", () => {
  it("is exact up to the cutoff and reports maxDistance + 1 beyond", () => {
    const rand = prng(7);
    const alphabet = [..."abcdefghij "];
    for (let trial = 0; trial < 300; trial++) {
      const a = randomText(rand, alphabet, Math.floor(rand() * (trial < 200 ? 100 : 1500)));
      const b = mutate(rand, a, alphabet, rand() * 0.4);
      const d = reference(a, b);
      for (const max of [0, 1, Math.floor(d / 2), d - 1, d, d + 1, 2 * d + 5]) {
        if (max < 0) continue;
        expect(levenshtein(a, b, { maxDistance: max })).toBe(d <= max ? d : max + 1);
      }
    }
  });

  it("stops on the length difference alone", () => {
    expect(levenshtein("a".repeat(100), "a", { maxDistance: 10 })).toBe(11);
  });

  it("rejects a negative or NaN cutoff", () => {
    expect(() => levenshtein("a", "b", { maxDistance: -1 })).toThrow(RangeError);
    expect(() => levenshtein("a", "b", { maxDistance: Number.NaN })).toThrow(RangeError);
  });
});

describe("levenshteinSequences", () => {
  it("compares integer sequences", () => {
    expect(levenshteinSequences([1, 2, 3], [1, 3])).toBe(1);
    expect(levenshteinSequences(Int32Array.of(5, 6, 7, 8), Int32Array.of(8, 7, 6, 5))).toBe(4);
    expect(levenshteinSequences([], [70_000, 1])).toBe(2);
    expect(levenshteinSequences([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1], { maxDistance: 2 })).toBe(3);
  });
});

describe("work done", () => {
  it("never exceeds one full bit-parallel sweep, even where the band cannot help", async () => {
    const { work } = await import("./internal/myers.js");
    const rand = prng(8);
    const alphabet = [..."etaoinshrdlu     ,."];
    // [length of a, length of b, share of b edited (> 1: unrelated texts)]
    const cases = [
      [3000, 3000, 2],
      [3000, 3000, 0.3],
      [1000, 1000, 0.05],
      [1000, 3000, 2],
      [1500, 3000, 2],
      [2100, 3000, 2],
      [2400, 3000, 0.3],
    ] as const;
    for (const [la, lb, rate] of cases) {
      const b = randomText(rand, alphabet, lb);
      const a = rate > 1 ? randomText(rand, alphabet, la) : mutate(rand, b, alphabet, rate).slice(0, la);
      const before = work.steps;
      levenshtein(a, b);
      const full = Math.ceil(Math.min(a.length, b.length) / 32) * Math.max(a.length, b.length);
      expect(work.steps - before).toBeLessThanOrEqual(full);
      if (la === lb) expect(work.steps - before).toBeLessThanOrEqual(rate > 1 ? 0.7 * full : 0.5 * full);
    }
  });
});
