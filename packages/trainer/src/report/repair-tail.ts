import { open, stat } from "node:fs/promises";
import { withPath } from "../io-error.js";

/**
 * Cut a torn last line off an append-only JSONL file: every append ends with `\n`, so bytes after the last
 * newline are a write that a kill (or a full disk) interrupted. Returns how many bytes were cut (0 when
 * the file was whole or does not exist). Reads only the file's tail, in 64 KiB steps back to the last
 * newline.
 *
 * @throws IoError naming the file when it cannot be read or truncated
 * @example
 * ```ts
 * const cut = await repairTail("runs/a/metrics.jsonl"); // 0 when the file was whole
 * ```
 */
export async function repairTail(path: string): Promise<number> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return 0;
  }
  if (size === 0) return 0;
  return withPath(path, "repair the end of", async () => {
    const handle = await open(path, "r+");
    try {
      const chunk = Buffer.alloc(64 * 1024);
      for (let end = size; end > 0; ) {
        const start = Math.max(0, end - chunk.length);
        const { bytesRead } = await handle.read(chunk, 0, end - start, start);
        const at = chunk.subarray(0, bytesRead).lastIndexOf(10);
        if (at !== -1) {
          const keep = start + at + 1;
          if (keep < size) await handle.truncate(keep);
          return size - keep;
        }
        end = start;
      }
      await handle.truncate(0);
      return size;
    } finally {
      await handle.close();
    }
  });
}
