import { parentPort, workerData } from "node:worker_threads";
import { type BatchRequest, type MeasureConfig, measureBatch, resolveTokenizer } from "./batch.js";

// A worker thread of ContrastivenessPool: measures the batches it is sent and posts the numbers back.

const config = workerData as MeasureConfig;
const ready = resolveTokenizer(config.tokenizer).then((tokenizer) => ({
  tokenizer,
  multiset: config.multiset,
  caseSensitive: config.caseSensitive,
  unit: config.unit,
}));

parentPort!.on("message", async (request: BatchRequest) => {
  try {
    const result = measureBatch(request, await ready);
    parentPort!.postMessage(result, [
      result.jaccard.buffer,
      result.levenshtein.buffer,
      result.lengthRatio.buffer,
    ]);
  } catch (error) {
    parentPort!.postMessage({
      id: request.id,
      failure: error instanceof Error ? error.message : String(error),
    });
  }
});
