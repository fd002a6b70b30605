import { createReadStream } from "node:fs";
import { TrainDataError } from "./train-data-error.js";

/**
 * How many lines a text file has (a last line without `\n` counts), counted over its bytes without
 * decoding or holding them: the total that progress of a streamed JSONL pass is measured against.
 * Blank lines count too, so for JSONL it is an upper bound of the rows.
 *
 * @throws TrainDataError naming the file (line 0) when it cannot be read, as `readJsonl` does
 * @example
 * ```ts
 * await countLines("pairs.jsonl"); // 1200
 * ```
 */
export async function countLines(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
      if (chunk.length > 0) last = chunk[chunk.length - 1] as number;
    }
  } catch (cause) {
    throw new TrainDataError(file, 0, `cannot read the file (${String(cause)})`, { cause });
  }
  return last === 10 ? lines : lines + 1;
}
