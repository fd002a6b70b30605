import { describe, expect, it } from "vitest";
import { whitespaceLength } from "./utf8-whitespace.js";

describe("whitespaceLength", () => {
  it("is the UTF-8 length of exactly the characters /\\s/ matches, over the whole BMP and beyond", () => {
    const encoder = new TextEncoder();
    const bytes = new Uint8Array(8);
    const mismatches: string[] = [];
    for (let code = 0; code <= 0x10ffff; code += code < 0x10000 ? 1 : 0x3f) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const char = String.fromCodePoint(code);
      bytes.fill(0x41);
      const length = encoder.encodeInto(char, bytes).written;
      const expected = /\s/.test(char) ? length : 0;
      if (whitespaceLength(bytes, 0) !== expected) mismatches.push(code.toString(16));
    }
    expect(mismatches).toEqual([]);
  });
});
