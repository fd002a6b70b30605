import { mkdtemp, open, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors, readSafetensorsFile } from "./read-safetensors.js";
import { SafetensorsError } from "./safetensors-error.js";
import { MAX_HEADER_BYTES } from "./safetensors-header.js";

/** A safetensors file with a header written as given (offsets unchecked) and `dataLength` data bytes. */
function rawFile(header: Record<string, unknown>, dataLength: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

const f32 = (begin: number, end: number, n = (end - begin) / 4) => ({
  dtype: "F32",
  shape: [n],
  data_offsets: [begin, end],
});

/** Expect both readers (memory and file handle) to fail with a SafetensorsError matching `pattern`. */
async function expectBoth(bytes: Uint8Array, pattern: RegExp, tensor?: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "apo-header-"));
  const path = join(dir, "model.safetensors");
  await writeFile(path, bytes);
  for (const read of [async () => readSafetensors(bytes, path), async () => readSafetensorsFile(path)]) {
    const error = await read().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as SafetensorsError).message).toMatch(pattern);
    expect((error as SafetensorsError).file).toBe(path);
    expect((error as SafetensorsError).tensor).toBe(tensor);
    expect((error as SafetensorsError).code).toBe("SAFETENSORS_INVALID");
  }
}

describe("safetensors layout checks (both readers)", () => {
  it("accepts tensors in any header order that tile the data section", async () => {
    const bytes = rawFile({ b: f32(8, 16), a: f32(0, 8), empty: f32(16, 16, 0) }, 16);
    expect([...readSafetensors(bytes).keys()]).toEqual(["b", "a", "empty"]);
  });
  it("names both tensors of an overlap", async () => {
    await expectBoth(
      rawFile({ a: f32(0, 8), b: f32(4, 12) }, 12),
      /tensor "b" \(bytes 4–12\) overlaps tensor "a" \(bytes 0–8\)/,
      "b",
    );
  });
  it("names the tensor after a gap", async () => {
    await expectBoth(
      rawFile({ a: f32(0, 8), b: f32(12, 20) }, 20),
      /tensor "b" starts at byte 12 .* leaving 4 bytes unused after tensor "a"/,
      "b",
    );
    await expectBoth(rawFile({ a: f32(4, 12) }, 12), /leaving 4 bytes unused after the header/, "a");
  });
  it("names a tensor whose offsets run past the end of the file", async () => {
    await expectBoth(
      rawFile({ a: f32(0, 8), b: f32(8, 4008) }, 16),
      /tensor "b" has data_offsets \[8, 4008\] past the end of the 16-byte data section/,
      "b",
    );
  });
  it("rejects bytes after the last tensor", async () => {
    await expectBoth(rawFile({ a: f32(0, 8) }, 12), /4 bytes follow the last tensor \("a"\)/, "a");
  });
  it("rejects reversed or non-integer offsets", async () => {
    await expectBoth(
      rawFile({ a: { dtype: "F32", shape: [0], data_offsets: [8, 0] } }, 8),
      /invalid data_offsets/,
      "a",
    );
    await expectBoth(
      rawFile({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4.5] } }, 8),
      /invalid data_offsets/,
      "a",
    );
  });
  it("rejects a header length beyond the file", async () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 62n, true);
    await expectBoth(bytes, /header length 4611686018427387904 exceeds the file size 16/);
  });
  it("rejects an absurd header length even when the file is large enough (sparse 101 MB file)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-header-"));
    const path = join(dir, "model.safetensors");
    const handle = await open(path, "w");
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
    await handle.write(prefix, 0, 8, 0);
    await handle.truncate(MAX_HEADER_BYTES + 1024);
    await handle.close();
    await expect(readSafetensorsFile(path)).rejects.toThrow(
      /header length 100000001 is above the 100000000-byte limit/,
    );
  });
});
