import { describe, expect, it } from "vitest";
import { jaccard, jaccardOfTokens } from "./jaccard.js";
import { tokenize } from "./tokenize.js";

describe("jaccard", () => {
  it("is |A ∩ B| / |A ∪ B| over whitespace tokens, case-sensitive", () => {
    expect(jaccard("the cat sat", "the cat ran")).toBe(2 / 4);
    expect(jaccard("The cat", "the cat")).toBe(1 / 3);
    expect(jaccard("end.", "end")).toBe(0);
    expect(jaccard("a b c", "c b a")).toBe(1);
    expect(jaccard("a a a b", "a b b")).toBe(1);
  });

  it("defines both-empty as 1 and one-empty as 0", () => {
    expect(jaccard("", "")).toBe(1);
    expect(jaccard("  \n\t", "")).toBe(1);
    expect(jaccard("word", "")).toBe(0);
    expect(jaccard("", "word")).toBe(0);
    expect(jaccard("...", "", { tokenizer: "word" })).toBe(1);
  });

  it("splits on every JavaScript whitespace, as String.split(/\\s+/)", () => {
    const spaces = "\t\n\v\f\r \u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";
    const text = Array.from({ length: 40 }, (_, i) => `w${i % 13}${spaces[i % spaces.length]}`).join("x ");
    expect(tokenize(text)).toEqual(text.split(/\s+/).filter(Boolean));
    expect(jaccard(text, "w1x w2x")).toBe(jaccardOfTokens(text.split(/\s+/).filter(Boolean), ["w1x", "w2x"]));
  });

  it("counts repeated tokens with multiset: true", () => {
    expect(jaccard("a a b", "a b b", { multiset: true })).toBe(2 / 4);
    expect(jaccard("a a a", "a", { multiset: true })).toBe(1 / 3);
    expect(jaccard("", "", { multiset: true })).toBe(1);
  });

  it("offers a word tokenizer, regular expressions, functions and case folding", () => {
    expect(tokenize("Don't panic, it's fine.", "word")).toEqual(["Don't", "panic", "it's", "fine"]);
    expect(jaccard("The cat.", "the cat!", { tokenizer: "word", caseSensitive: false })).toBe(1);
    expect(jaccard("naïve café", "naïve cafe", { tokenizer: "word" })).toBe(1 / 3);
    expect(jaccard("a1 b2 c3", "a1 x9", { tokenizer: /[a-z]/ })).toBe(1 / 4);
    const characters = (text: string) => Array.from(text);
    expect(jaccard("abc", "bcd", { tokenizer: characters })).toBe(2 / 4);
    expect(jaccard("ABC", "abc", { caseSensitive: false })).toBe(1);
  });

  it("gives the same result on the fast whitespace path as on generic token lists", () => {
    let seed = 9;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const vocabulary = ["a", "b", "ab", "ba", "the", "The", "x😀", "😀", "é", "e\u0301", "word."];
    const spaces = [" ", "  ", "\n", "\t", "\u3000", " \r\n"];
    const text = (count: number) => {
      let out = rand() < 0.3 ? " " : "";
      for (let i = 0; i < count; i++) {
        out +=
          vocabulary[Math.floor(rand() * vocabulary.length)]! + spaces[Math.floor(rand() * spaces.length)]!;
      }
      return out;
    };
    for (let trial = 0; trial < 500; trial++) {
      const a = text(Math.floor(rand() * 30));
      const b = text(Math.floor(rand() * 30));
      for (const multiset of [false, true]) {
        expect(jaccard(a, b, { multiset })).toBeCloseTo(
          jaccardOfTokens(tokenize(a), tokenize(b), multiset),
          12,
        );
      }
    }
  });

  it("grows its interning table for texts with many distinct tokens", () => {
    const a = Array.from({ length: 30_000 }, (_, i) => `t${i}`).join(" ");
    const b = Array.from({ length: 20_000 }, (_, i) => `t${i * 2}`).join(" ");
    // b's tokens are the even ones below 40,000: 15,000 shared, union 30,000 + 5,000.
    expect(jaccard(a, b)).toBe(15_000 / 35_000);
    expect(jaccard(a, b, { multiset: true })).toBe(15_000 / 35_000);
    expect(jaccard("short one", "short two")).toBe(1 / 3);
  });
});

describe("jaccard on any Unicode text", () => {
  it("finds the same tokens in UTF-8 as in UTF-16, lone surrogates included", () => {
    const a = "naïve café\u00a0😀 word\u2003𠀀x \ud800 tail\ud800 \udc00";
    const b = "naive café 😀\u3000word 𠀀x \udbff tail\ud800";
    for (const multiset of [false, true]) {
      expect(jaccard(a, b, { multiset })).toBe(jaccardOfTokens(tokenize(a), tokenize(b), multiset));
    }
    expect(jaccard("\ud800", "\udbff")).toBe(0);
    expect(jaccard("x\u0085y", "x\u0085y z")).toBe(1 / 2); // U+0085 is not \s in JavaScript
  });
});
