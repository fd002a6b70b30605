import { closeSync, openSync, readSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { OnnxGraphError } from "../errors.js";
import { decodeModel, type ExternalLocation, encodeModel } from "./protobuf.js";
import type { Model } from "./types.js";

/**
 * Options of {@link writeModel}.
 *
 * @example
 * ```ts
 * await writeModel("out/model.onnx", model, { externalData: { threshold: 1024 } });
 * ```
 */
export interface WriteModelOptions {
  /**
   * Store initializers of at least `threshold` bytes (default 1024) in a side file `location`
   * (default `<model file name>.data`, beside the model), each aligned to `align` bytes (default 64).
   * Needed for models over protobuf's 2 GiB limit.
   */
  externalData?: { threshold?: number; location?: string; align?: number };
}

/**
 * Writes a model to `path` (and, with `externalData`, its weights to `path.data` with
 * `location`/`offset`/`length` entries, the layout onnxruntime and Netron read).
 *
 * @example
 * ```ts
 * await writeModel("model.onnx", g.toModel(), { externalData: {} });
 * const session = await InferenceSession.create("model.onnx");
 * ```
 */
export async function writeModel(path: string, model: Model, options: WriteModelOptions = {}): Promise<void> {
  const ext = options.externalData;
  if (ext === undefined) {
    await writeFile(path, encodeModel(model));
    return;
  }
  const threshold = ext.threshold ?? 1024;
  const align = ext.align ?? 64;
  const location = ext.location ?? `${basename(path)}.data`;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const bytes = encodeModel(model, {
    externalize: (_name, data): ExternalLocation | undefined => {
      if (data.byteLength < threshold) return undefined;
      const pad = (align - (offset % align)) % align;
      if (pad > 0) chunks.push(new Uint8Array(pad));
      offset += pad;
      const where = { location, offset, length: data.byteLength };
      chunks.push(data);
      offset += data.byteLength;
      return where;
    },
  });
  await writeFile(path, bytes);
  await writeFile(join(dirname(path), location), chunks);
}

/**
 * Reads a model file, loading external tensors from files beside it.
 *
 * @example
 * ```ts
 * const model = await readModel("model.onnx");
 * ```
 */
export async function readModel(path: string): Promise<Model> {
  const bytes = await readFile(path);
  const handles = new Map<string, number>();
  try {
    return decodeModel(bytes, {
      readExternal: (where) => {
        const file = join(dirname(path), where.location);
        let fd = handles.get(file);
        if (fd === undefined) {
          try {
            fd = openSync(file, "r");
          } catch (cause) {
            throw new OnnxGraphError(`external data file \`${file}\` of model \`${path}\` cannot be opened`, {
              cause,
            });
          }
          handles.set(file, fd);
        }
        const buffer = new Uint8Array(where.length);
        const read = readSync(fd, buffer, 0, where.length, where.offset);
        if (read !== where.length) {
          throw new OnnxGraphError(
            `external data file \`${file}\` ends before offset ${where.offset} + length ${where.length}`,
          );
        }
        return buffer;
      },
    });
  } finally {
    for (const fd of handles.values()) closeSync(fd);
  }
}
