import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  bfloat16BitsToNumber,
  float16BitsToNumber,
  numberToBfloat16Bits,
  numberToFloat16Bits,
} from "./float-bits.js";
import { readCheckpointWeights } from "./read-checkpoint-weights.js";
import { readSafetensors, readSafetensorsFile } from "./read-safetensors.js";
import { NonFiniteWeightError, SafetensorsError } from "./safetensors-error.js";
import type { WeightMap } from "./tensor.js";
import { writeSafetensors, writeSafetensorsFile } from "./write-safetensors.js";

/** Build a safetensors file by hand, with raw bytes per tensor, to test the reader independently. */
function handMade(
  entries: { name: string; dtype: string; shape: number[]; bytes: Uint8Array }[],
): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const e of entries) {
    out.set(e.bytes, at);
    at += e.bytes.length;
  }
  return out;
}

function u16(values: number[]): Uint8Array {
  return new Uint8Array(Uint16Array.from(values).buffer);
}

describe("float bit patterns", () => {
  it("decodes known float16 patterns", () => {
    expect(float16BitsToNumber(0x3c00)).toBe(1);
    expect(float16BitsToNumber(0xc000)).toBe(-2);
    expect(float16BitsToNumber(0x3555)).toBeCloseTo(0.33325195, 8);
    expect(float16BitsToNumber(0x7bff)).toBe(65504);
    expect(float16BitsToNumber(0x0001)).toBe(2 ** -24);
    expect(float16BitsToNumber(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(float16BitsToNumber(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(float16BitsToNumber(0x7e00)).toBeNaN();
    expect(Object.is(float16BitsToNumber(0x8000), -0)).toBe(true);
  });
  it("decodes known bfloat16 patterns", () => {
    expect(bfloat16BitsToNumber(0x3f80)).toBe(1);
    expect(bfloat16BitsToNumber(0xc049)).toBe(-3.140625);
    expect(bfloat16BitsToNumber(0x7f80)).toBe(Number.POSITIVE_INFINITY);
    expect(bfloat16BitsToNumber(0x0001)).toBeCloseTo(9.183549615799121e-41, 50);
  });
  it("reads F16, BF16, I64 and I32 tensors as typed arrays", () => {
    const bytes = handMade([
      { name: "h", dtype: "F16", shape: [3], bytes: u16([0x3c00, 0xc000, 0x3800]) },
      { name: "b", dtype: "BF16", shape: [1, 2], bytes: u16([0x3f80, 0xc049]) },
      { name: "i", dtype: "I64", shape: [2], bytes: new Uint8Array(BigInt64Array.from([5n, -7n]).buffer) },
      { name: "j", dtype: "I32", shape: [2], bytes: new Uint8Array(Int32Array.from([3, -4]).buffer) },
    ]);
    const map = readSafetensors(bytes);
    expect([...map.get("h")!.data]).toEqual([1, -2, 0.5]);
    expect(map.get("b")!.shape).toEqual([1, 2]);
    expect([...map.get("b")!.data]).toEqual([1, -3.140625]);
    expect([...map.get("i")!.data]).toEqual([5n, -7n]);
    expect(map.get("j")!.data).toBeInstanceOf(Int32Array);
  });
});

describe("float rounding to 16 bits", () => {
  it("round-trips every finite float16 and bfloat16 pattern", () => {
    const wrong: string[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const h = float16BitsToNumber(bits);
      if (!Number.isNaN(h) && numberToFloat16Bits(h) !== bits) wrong.push(`f16 ${bits.toString(16)}`);
      const b = bfloat16BitsToNumber(bits);
      if (!Number.isNaN(b) && numberToBfloat16Bits(b) !== bits) wrong.push(`bf16 ${bits.toString(16)}`);
    }
    expect(wrong).toEqual([]);
  });
  it("rounds to nearest, ties to even, and overflows to infinity", () => {
    expect(numberToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even (1)
    expect(numberToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (1 + 2^-9)
    expect(numberToFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(numberToFloat16Bits(65519)).toBe(0x7bff);
    expect(numberToFloat16Bits(65520)).toBe(0x7c00);
    expect(numberToFloat16Bits(-1e9)).toBe(0xfc00);
    expect(numberToFloat16Bits(2 ** -25)).toBe(0); // tie → even (0)
    expect(numberToFloat16Bits(3 * 2 ** -25)).toBe(2); // tie → even (2 · 2^-24)
    expect(numberToFloat16Bits(Number.NaN)).toBe(0x7e00);
    expect(numberToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(numberToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(Number.isNaN(bfloat16BitsToNumber(numberToBfloat16Bits(Number.NaN)))).toBe(true);
  });
  it("writes F16 and BF16 files that read back as the rounded values", () => {
    const w: WeightMap = new Map([["w", { shape: [3], data: Float32Array.from([0.1, -2.5, 1000.3]) }]]);
    for (const floatDtype of ["F16", "BF16"] as const) {
      const back = readSafetensors(writeSafetensors(w, { floatDtype })).get("w")!;
      const round = floatDtype === "F16" ? numberToFloat16Bits : numberToBfloat16Bits;
      const decode = floatDtype === "F16" ? float16BitsToNumber : bfloat16BitsToNumber;
      expect([...back.data]).toEqual(
        [0.1, -2.5, 1000.3].map((v) => Math.fround(decode(round(Math.fround(v))))),
      );
      expect(back.data[1]).toBe(-2.5);
    }
  });
});

describe("safetensors round trip", () => {
  const weights: WeightMap = new Map([
    ["model.embed_tokens.weight", { shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) }],
    ["scalar", { shape: [], data: Float32Array.from([Math.PI]) }],
    ["ids", { shape: [2], data: BigInt64Array.from([1n, 2n]) }],
  ]);
  it("reads back what it writes, with a header padded to 8 bytes", () => {
    const bytes = writeSafetensors(weights);
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect([...back.keys()]).toEqual([...weights.keys()]);
    for (const [name, t] of weights) {
      expect(back.get(name)!.shape).toEqual(t.shape);
      expect(back.get(name)!.data).toEqual(t.data);
    }
  });
  it("reads a sharded checkpoint through its index", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-shards-"));
    const [a, b, c] = [...weights.entries()];
    await writeSafetensorsFile(join(dir, "model-00001-of-00002.safetensors"), new Map([a!, b!]));
    await writeSafetensorsFile(join(dir, "model-00002-of-00002.safetensors"), new Map([c!]));
    const weightMap = {
      [a![0]]: "model-00001-of-00002.safetensors",
      [b![0]]: "model-00001-of-00002.safetensors",
      [c![0]]: "model-00002-of-00002.safetensors",
    };
    await writeFile(join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: weightMap }));
    const back = await readCheckpointWeights(dir);
    expect(back.size).toBe(3);
    expect(back.get("model.embed_tokens.weight")!.data).toEqual(
      weights.get("model.embed_tokens.weight")!.data,
    );
  });
});

describe("bad safetensors input", () => {
  it("rejects a truncated file", () => {
    expect(() => readSafetensors(new Uint8Array(4), "x.safetensors")).toThrow(/too short/);
  });
  it("rejects a header length beyond the file", () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 1000n, true);
    expect(() => readSafetensors(bytes)).toThrow(SafetensorsError);
    expect(() => readSafetensors(bytes)).toThrow(/exceeds the file size/);
  });
  it("rejects a header that is not JSON", () => {
    const bytes = new Uint8Array(12);
    new DataView(bytes.buffer).setBigUint64(0, 4n, true);
    bytes.set(new TextEncoder().encode("{{{{"), 8);
    expect(() => readSafetensors(bytes)).toThrow(/not valid JSON/);
  });
  it("names an unsupported dtype and a size mismatch", () => {
    const bad = handMade([{ name: "w", dtype: "U8", shape: [2], bytes: new Uint8Array(2) }]);
    expect(() => readSafetensors(bad)).toThrow(/tensor "w" has dtype "U8"/);
    const short = handMade([{ name: "w", dtype: "F32", shape: [2], bytes: new Uint8Array(4) }]);
    expect(() => readSafetensors(short)).toThrow(/spans 4 bytes but F32\[2\] needs 8/);
  });
  it("reports a folder without weights", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-empty-"));
    await expect(readCheckpointWeights(dir)).rejects.toThrow(
      /no model.safetensors or model.safetensors.index.json/,
    );
  });
});

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

async function onDisk(bytes: Uint8Array): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), "apo-st-")), "model.safetensors");
  await writeFile(path, bytes);
  return path;
}

describe("reading through a file handle", () => {
  const file = handMade([
    { name: "f32", dtype: "F32", shape: [2], bytes: bytesOf(Float32Array.from([0.1, -3])) },
    {
      name: "f64",
      dtype: "F64",
      shape: [3],
      bytes: bytesOf(Float64Array.from([0.1, 1 + 2 ** -40, -1e-300])),
    },
    { name: "f16", dtype: "F16", shape: [3], bytes: u16([0x3c00, 0xc000, 0x0001]) },
    { name: "bf16", dtype: "BF16", shape: [2], bytes: u16([0x3f80, 0xc049]) },
    { name: "i64", dtype: "I64", shape: [1], bytes: bytesOf(BigInt64Array.from([-9n])) },
    { name: "i32", dtype: "I32", shape: [1], bytes: bytesOf(Int32Array.from([7])) },
  ]);

  it("reads what the in-memory reader reads, recording each tensor's stored dtype", async () => {
    const path = await onDisk(file);
    for (const dtype of ["float32", "float64"] as const) {
      const fromDisk = await readSafetensorsFile(path, { dtype });
      expect(fromDisk).toEqual(readSafetensors(file, "x", { dtype }));
      expect([...fromDisk.values()].map((t) => t.sourceDtype)).toEqual([
        "F32",
        "F64",
        "F16",
        "BF16",
        "I64",
        "I32",
      ]);
    }
  });
  it("keeps F64 exactly as float64 and rounds it as float32; widens the others exactly", async () => {
    const path = await onDisk(file);
    const wide = await readSafetensorsFile(path, { dtype: "float64" });
    expect(wide.get("f64")!.data).toEqual(Float64Array.from([0.1, 1 + 2 ** -40, -1e-300]));
    expect(wide.get("f32")!.data).toEqual(Float64Array.from([Math.fround(0.1), -3]));
    expect(wide.get("f16")!.data).toEqual(Float64Array.from([1, -2, 2 ** -24]));
    const narrow = await readSafetensorsFile(path);
    expect(narrow.get("f64")!.data).toEqual(Float32Array.from([0.1, 1, -0]));
    expect(narrow.get("i64")!.data).toEqual(BigInt64Array.from([-9n]));
  });
  it("reads only the tensors asked for", async () => {
    const only = await readSafetensorsFile(await onDisk(file), { names: new Set(["bf16", "i32"]) });
    expect([...only.keys()]).toEqual(["bf16", "i32"]);
  });
  it("converts half-precision tensors larger than its scratch buffer, chunk by chunk", async () => {
    const n = 9_000_001; // 18 MB of BF16: two scratch chunks, the second partial
    const bits = new Uint16Array(n);
    for (let i = 0; i < n; i++) bits[i] = (i * 40503) & 0x7f7f; // finite patterns only
    const path = await onDisk(handMade([{ name: "w", dtype: "BF16", shape: [n], bytes: bytesOf(bits) }]));
    const data = (await readSafetensorsFile(path)).get("w")!.data as Float32Array;
    const wrong = [0, 1, 8_388_607, 8_388_608, 8_388_609, n - 1].filter(
      (i) => data[i] !== bfloat16BitsToNumber(bits[i]!),
    );
    expect(wrong).toEqual([]);
  });
});

describe("non-finite weights", () => {
  const cases = [
    ["F32 NaN", "F32", bytesOf(Float32Array.from([1, Number.NaN])), 1, Number.NaN],
    ["BF16 −∞", "BF16", u16([0x3f80, 0x3f80, 0xff80]), 2, Number.NEGATIVE_INFINITY],
    ["F16 +∞", "F16", u16([0x7c00]), 0, Number.POSITIVE_INFINITY],
    ["F64 beyond float32", "F64", bytesOf(Float64Array.from([1e300])), 0, Number.POSITIVE_INFINITY],
  ] as const;
  it.each(cases)("rejects %s with the tensor, its index and value", async (_, dtype, bytes, index, value) => {
    const n = bytes.byteLength / (dtype === "F64" ? 8 : dtype === "F32" ? 4 : 2);
    const path = await onDisk(handMade([{ name: "model.norm.weight", dtype, shape: [n], bytes }]));
    const error = await readSafetensorsFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteWeightError);
    expect(error).toMatchObject({
      code: "NON_FINITE_WEIGHT",
      file: path,
      tensor: "model.norm.weight",
      index,
      dtype,
    });
    expect((error as NonFiniteWeightError).value).toBe(value);
    expect((error as Error).message).toMatch(/tensor "model.norm.weight" has .* at flat index/);
  });
  it("accepts F64 values beyond float32's range when read as float64", async () => {
    const path = await onDisk(
      handMade([{ name: "w", dtype: "F64", shape: [1], bytes: bytesOf(Float64Array.from([1e300])) }]),
    );
    expect((await readSafetensorsFile(path, { dtype: "float64" })).get("w")!.data[0]).toBe(1e300);
  });
});

describe("writing in the source dtype", () => {
  it("writes each float tensor back in the dtype it was read from, unless floatDtype says otherwise", async () => {
    const source = handMade([
      { name: "h", dtype: "F16", shape: [2], bytes: u16([0x3c00, 0x3555]) },
      { name: "b", dtype: "BF16", shape: [1], bytes: u16([0xc049]) },
      { name: "d", dtype: "F64", shape: [1], bytes: bytesOf(Float64Array.from([0.1])) },
    ]);
    const read = readSafetensors(source, "x", { dtype: "float64" });
    const again = writeSafetensors(read, { metadata: {} });
    const header = (bytes: Uint8Array) => {
      const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
      return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
        string,
        { dtype: string }
      >;
    };
    expect([header(again).h!.dtype, header(again).b!.dtype, header(again).d!.dtype]).toEqual([
      "F16",
      "BF16",
      "F64",
    ]);
    // Bit for bit: the data sections are the source's.
    expect(again.subarray(again.length - 14)).toEqual(source.subarray(source.length - 14));
    const asF32 = header(writeSafetensors(read, { floatDtype: "F32" }));
    expect(
      Object.values(asF32)
        .filter((e) => e.dtype !== undefined)
        .map((e) => e.dtype),
    ).toEqual(["F32", "F32", "F32"]);
  });
  it("writes float64 arrays without a source dtype as F64, float32 ones as F32", () => {
    const w: WeightMap = new Map([
      ["d", { shape: [1], data: Float64Array.from([1 + 2 ** -40]) }],
      ["s", { shape: [1], data: Float32Array.from([0.5]) }],
    ]);
    const back = readSafetensors(writeSafetensors(w), "x", { dtype: "float64" });
    expect(back.get("d")).toMatchObject({ sourceDtype: "F64", data: Float64Array.from([1 + 2 ** -40]) });
    expect(back.get("s")?.sourceDtype).toBe("F32");
  });
  it("streams to a file the same bytes it builds in memory, across chunk boundaries", async () => {
    const big = new Float32Array((1 << 20) + 3).map((_, i) => Math.sin(i));
    const w: WeightMap = new Map([
      ["big", { shape: [big.length], data: big, sourceDtype: "BF16" }],
      ["d", { shape: [2], data: Float64Array.from([0.1, 0.2]) }],
      ["ids", { shape: [2], data: BigInt64Array.from([1n, 2n]) }],
    ]);
    const path = join(await mkdtemp(join(tmpdir(), "apo-st-")), "w.safetensors");
    await writeSafetensorsFile(path, w);
    expect(Buffer.from(await readFile(path)).equals(writeSafetensors(w))).toBe(true);
  });
});
