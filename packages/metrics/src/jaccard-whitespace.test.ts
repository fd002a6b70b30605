import { describe, expect, it } from "vitest";
import { tailKey } from "./internal/byte-keys.js";
import { jaccard } from "./jaccard.js";

/** The definition, spelled out plainly: `split(/\s+/)`, then sets (or counts) in Maps. */
function reference(a: string, b: string, multiset: boolean): number {
  const count = (text: string) => {
    const counts = new Map<string, number>();
    for (const token of text.split(/\s+/)) if (token !== "") counts.set(token, (counts.get(token) ?? 0) + 1);
    return counts;
  };
  const x = count(a);
  const y = count(b);
  if (x.size === 0 && y.size === 0) return 1;
  let low = 0;
  let high = 0;
  for (const [token, n] of x) {
    const m = y.get(token) ?? 0;
    low += multiset ? Math.min(n, m) : m > 0 ? 1 : 0;
    high += multiset ? Math.max(n, m) : 1;
  }
  for (const [token, m] of y) if (!x.has(token)) high += multiset ? m : 1;
  return low / high;
}

function expectSameAsReference(a: string, b: string): void {
  for (const multiset of [false, true]) {
    const got = jaccard(a, b, { multiset });
    if (got !== reference(a, b, multiset)) {
      // Only on failure, so that thousands of passing cases stay cheap.
      expect({ a, b, multiset, got }).toEqual({ a, b, multiset, got: reference(a, b, multiset) });
    }
  }
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Every character of JavaScript's `\s`, and look-alikes that are not whitespace. */
const SPACES = [
  ..."\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2005\u200a\u2028\u2029\u202f\u205f\u3000\ufeff",
  "\r\n",
];
const NOT_SPACES = ["\u0085", "\u180e", "\u200b", "\u2060", "\ufffd", "\u0000", "\u001f", "\u007f", "\u00a1"];
const PIECES = [
  ..."abcxyzABC.,;'-_0123456789",
  ..."éüß€—’😀👍🏽𠀀",
  "e\u0301",
  "\u0301",
  "\ud83d\ude00",
  "\uffff",
  "\ue000",
  "\u00c2",
  "\u00e2",
  "\u00ef",
  ...NOT_SPACES,
];

function randomText(rand: () => number, maxTokens: number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
  let text = rand() < 0.3 ? pick(SPACES) : "";
  const tokens = Math.floor(rand() * maxTokens);
  for (let t = 0; t < tokens; t++) {
    let token = "";
    const length = rand() < 0.1 ? 1 + Math.floor(rand() * 40) : 1 + Math.floor(rand() * 9);
    for (let k = 0; k < length; k++) token += rand() < 0.8 ? pick(PIECES.slice(0, 15)) : pick(PIECES);
    text += token + (rand() < 0.8 ? " " : pick(SPACES).repeat(1 + Math.floor(rand() * 3)));
  }
  return rand() < 0.5 ? text.trimEnd() : text;
}

/** A copy of `text` with some tokens replaced, some last characters changed, some tokens repeated. */
function edited(rand: () => number, text: string): string {
  return text
    .split(/(\s+)/)
    .map((part) => {
      if (/^\s*$/.test(part)) return part;
      const r = rand();
      if (r < 0.1) return `${part.slice(0, -1)}${String.fromCharCode(part.charCodeAt(part.length - 1) ^ 1)}`;
      if (r < 0.15) return `${part} ${part}`;
      if (r < 0.2) return `${part}x`;
      return part;
    })
    .join("");
}

describe("jaccard's whitespace path against split(/\\s+/) and Sets", () => {
  it("agrees on thousands of random texts with Unicode whitespace, astral and combining characters", () => {
    const rand = prng(20_240_611);
    for (let trial = 0; trial < 3000; trial++) {
      const a = randomText(rand, trial % 10 === 0 ? 300 : 25);
      const b = rand() < 0.5 ? edited(rand, a) : randomText(rand, 25);
      expectSameAsReference(a, b);
    }
  });

  it("agrees on empty and whitespace-only texts", () => {
    const blanks = [
      "",
      " ",
      "\n",
      "\r\n",
      "\u3000",
      "\u00a0\u2028\u2029",
      SPACES.join(""),
      SPACES.join("").repeat(9),
    ];
    for (const a of blanks) {
      for (const b of [...blanks, "x", " x ", "\u0085"]) {
        expectSameAsReference(a, b);
        expectSameAsReference(b, a);
      }
    }
  });

  it("splits on each whitespace character and on nothing else", () => {
    for (const space of SPACES) {
      expectSameAsReference(`a${space}b${space}c`, "a b c");
      expectSameAsReference(`long-token${space}é${space}😀${space}`, `😀 é long-token`);
    }
    for (const other of NOT_SPACES) {
      expectSameAsReference(`a${other}b c`, "a b c");
      expectSameAsReference(`${other} ${other}${other}`, `${other}`);
      expect(jaccard(`a${other}b`, "a b")).toBe(0);
    }
  });

  it("tells apart tokens that differ only in their last character, at every length", () => {
    for (let length = 1; length <= 70; length++) {
      const stem =
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&()*+-/:<=>?@[]^_{|}~".slice(
          0,
          length - 1,
        );
      for (const last of ["a", "b", "é", "😀", "\u0000", "\u2003x"]) {
        expectSameAsReference(`${stem}${last} ${stem}a`, `${stem}b ${stem}${last}${last}`);
      }
      expect(jaccard(`${stem}a`, `${stem}b`)).toBe(0);
      expect(jaccard(`${stem}a x`, `x ${stem}a`)).toBe(1);
    }
  });

  it("handles very long tokens, many duplicates and CRLF text", () => {
    const long = "x".repeat(100_000);
    expectSameAsReference(`${long}a ${long}b`, `${long}a\r\n${long}`);
    expectSameAsReference(`${long}😀`, `${long}\ud83d`);
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i % 7}, the end\r\n`).join("");
    expectSameAsReference(lines, lines.replaceAll("\r\n", "\n"));
    expectSameAsReference("the ".repeat(50_000), "the the of ".repeat(10_000));
  });

  it("keeps lone surrogates apart even though UTF-8 turns them all into U+FFFD", () => {
    expectSameAsReference("\ud800 \udbff \udc00 \ufffd", "\ud800 \ufffd");
    expectSameAsReference("a\ud800b a\udc00b", "a\ufffdb");
    expectSameAsReference("\ud83d\ude00 \ude00\ud83d", "\ud83d\ude00");
    expect(jaccard("x\ud800", "x\ufffd")).toBe(0);
  });

  it("grows its table for many distinct tokens and stays exact when the next call is small", () => {
    const rand = prng(7);
    const words = Array.from({ length: 60_000 }, (_, i) => `${i.toString(36)}${rand() < 0.5 ? "é" : ""}`);
    const a = words.join(" ");
    const b = words.filter((_, i) => i % 3 === 0).join("\n");
    expectSameAsReference(a, b);
    expectSameAsReference(`${a} ${a}`, b);
    expectSameAsReference("0 1 2", "2 3");
    expectSameAsReference("", "");
  });

  it.each([9, 12, 15])("stays exact for %i-byte tokens whose hashed keys collide", (length) => {
    // A birthday search for two ASCII tokens with the same first four bytes, the same length and the same
    // hash of the rest: only the byte comparison can tell them apart.
    const rand = prng(length);
    const bytes = new Uint8Array(32);
    const view = new DataView(bytes.buffer);
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let tries = 0; tries < 2_000_000 && !pair; tries++) {
      let token = "head";
      while (token.length < length) token += String.fromCharCode(0x21 + Math.floor(rand() * 94));
      for (let k = 0; k < length; k++) bytes[k] = token.charCodeAt(k);
      const key = tailKey(view, 0, length);
      const other = seen.get(key);
      if (other !== undefined && other !== token) pair = [other, token];
      seen.set(key, token);
    }
    expect(pair).toBeDefined();
    const [x, y] = pair!;
    expect(jaccard(x, y)).toBe(0);
    expect(jaccard(`${x} ${y}`, y)).toBe(1 / 2);
    expect(jaccard(`${x} ${x} ${y}`, `${y} ${y}`, { multiset: true })).toBe(1 / 4);
    expectSameAsReference(`${x} ${y} ${x}`, `${y} z ${y}`);
  });
});
