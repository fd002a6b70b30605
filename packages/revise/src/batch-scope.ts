import { AsyncLocalStorage } from "node:async_hooks";
import type { GenerateRequest, Generation } from "./roles.js";

/**
 * What an {@link OpenAIGenerator} does with a request while a Batch API run builds a row: record it for
 * the batch input file, or answer it from the batch output. Set per row with `batchScope.run(...)`.
 */
export interface BatchScope {
  intercept(generator: object, request: GenerateRequest): Promise<Generation>;
}

/** The batch scope of the row being built, if any (internal to the package). */
export const batchScope = new AsyncLocalStorage<BatchScope>();
