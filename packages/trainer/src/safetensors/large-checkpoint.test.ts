import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { freemem, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createTinyModel } from "../models/create-tiny-model.js";

/**
 * A 3 GiB single-file checkpoint, opened in a child process whose peak RSS is measured: the file is read
 * tensor by tensor through a file handle, so the peak is the weights themselves plus the runtime, never
 * the weights plus a copy of the file. The file is sparse (a tiny Llama whose 12.6M-token embedding is
 * mostly a hole), so writing it takes no time or disk.
 */
const HIDDEN = 64;
const VOCAB = (3 * 2 ** 30) / (HIDDEN * 4); // the embedding alone is exactly 3 GiB of F32
const EMBED = "model.embed_tokens.weight";
const BOUND = 1.2;
const PACKAGE = fileURLToPath(new URL("../..", import.meta.url));

/** What the child reports. */
interface ChildReport {
  readonly maxRssBytes: number;
  readonly vmHwmBytes: number | null;
  readonly seconds: number;
  readonly embedLength: number;
  readonly samples: number[];
  readonly vocabSize: number;
}

const CHILD = `
const { readFileSync } = await import("node:fs");
const [moduleUrl, dir] = process.argv.slice(1);
const { loadPretrainedModel } = await import(moduleUrl);
const t0 = performance.now();
const model = await loadPretrainedModel(dir);
const seconds = (performance.now() - t0) / 1000;
const embed = model.weights.get(${JSON.stringify(EMBED)}).data;
const hwm = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8").toString());
const h = ${HIDDEN};
console.log(JSON.stringify({
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
  vmHwmBytes: hwm === null ? null : Number(hwm[1]) * 1024,
  seconds,
  embedLength: embed.length,
  samples: [embed[0], embed[h - 1], embed[h], embed[embed.length / 2], embed[embed.length - h], embed[embed.length - 1],
    model.weights.get("model.norm.weight").data[3]],
  vocabSize: model.config.vocabSize,
}));
`;

/** Write the checkpoint: header, embedding rows 0 and V−1, then the small tensors past the 3 GiB hole. */
async function writeSparseCheckpoint(dir: string): Promise<number> {
  const tiny = await createTinyModel({
    family: "llama",
    hiddenSize: HIDDEN,
    numLayers: 1,
    numHeads: 2,
    intermediateSize: 64,
    seed: 3,
    configOverrides: { tie_word_embeddings: true },
  });
  await writeFile(
    join(dir, "config.json"),
    JSON.stringify({ ...tiny.rawConfig, vocab_size: VOCAB, torch_dtype: "float32" }),
  );
  const small = [...tiny.weights].filter(([name]) => name !== EMBED);
  const header: Record<string, unknown> = {
    [EMBED]: { dtype: "F32", shape: [VOCAB, HIDDEN], data_offsets: [0, VOCAB * HIDDEN * 4] },
  };
  let offset = VOCAB * HIDDEN * 4;
  for (const [name, t] of small) {
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const dataStart = 8 + json.length;
  const handle = await open(join(dir, "model.safetensors"), "w");
  try {
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
    await handle.write(prefix, 0, 8, 0);
    await handle.write(new TextEncoder().encode(json), 0, json.length, 8);
    const row = (sign: number) => new Float32Array(HIDDEN).map((_, i) => sign * (i + 1));
    await handle.write(new Uint8Array(row(1).buffer), 0, HIDDEN * 4, dataStart);
    await handle.write(new Uint8Array(row(-1).buffer), 0, HIDDEN * 4, dataStart + (VOCAB - 1) * HIDDEN * 4);
    let at = dataStart + VOCAB * HIDDEN * 4;
    for (const [, t] of small) {
      const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      await handle.write(bytes, 0, bytes.byteLength, at);
      at += bytes.byteLength;
    }
    await handle.truncate(at);
  } finally {
    await handle.close();
  }
  return (tiny.weights.get("model.norm.weight")!.data as Float32Array)[3]!;
}

describe("a 3 GiB single-file checkpoint", () => {
  it(`loads with peak RSS under ${BOUND}× the file size (child process, sparse file)`, async (ctx) => {
    ctx.skip(process.platform !== "linux", "needs Linux: sparse files and /proc/self/status");
    ctx.skip(
      freemem() < 4.5 * 2 ** 30,
      `needs 4.5 GiB of free memory; ${(freemem() / 2 ** 30).toFixed(1)} GiB free`,
    );
    const dir = await mkdtemp(join(tmpdir(), "apo-3gib-"));
    try {
      const norm3 = await writeSparseCheckpoint(dir);
      const file = join(dir, "model.safetensors");
      const { size, blocks } = statSync(file);
      ctx.skip(
        blocks * 512 > 64 * 2 ** 20,
        `${tmpdir()} stored the ${size}-byte file in ${blocks * 512} bytes: no sparse-file support`,
      );
      const moduleUrl = pathToFileURL(join(PACKAGE, "src/models/pretrained-model.ts")).href;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          "--import",
          "tsx",
          "--conditions=@apo-clair/source",
          "--input-type=module",
          "-e",
          CHILD,
          moduleUrl,
          dir,
        ],
        { cwd: PACKAGE, maxBuffer: 1 << 20 },
      );
      const report = JSON.parse(stdout.trim().split("\n").at(-1)!) as ChildReport;
      expect(report.vocabSize).toBe(VOCAB);
      expect(report.embedLength).toBe(VOCAB * HIDDEN);
      expect(report.samples).toEqual([1, HIDDEN, 0, 0, -1, -HIDDEN, norm3]);
      const peak = Math.max(report.maxRssBytes, report.vmHwmBytes ?? 0);
      const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
      await ctx.annotate(
        `file ${gib(size)}, peak RSS ${gib(peak)} (${(peak / size).toFixed(3)}×), load ${report.seconds.toFixed(1)} s`,
      );
      expect(peak / size).toBeLessThan(BOUND);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
