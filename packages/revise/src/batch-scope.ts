import { AsyncLocalStorage } from "node:async_hooks";
import type { GenerateRequest, Generation } from "./roles.js";

/**
 * What an `OpenAIGenerator` does with a request while a Batch API run builds a row: record it for the
 * batch input file, or answer it from the batch output. Set per row with `batchScope.run(...)`.
 *
 * @example
 * ```ts
 * await batchScope.run({ intercept: async () => generator.read(answer) }, () => builder.build(row, context));
 * ```
 */
export interface BatchScope {
  intercept(generator: object, request: GenerateRequest): Promise<Generation>;
}

/**
 * The batch scope of the row being built, if any (internal to the package).
 *
 * @example
 * ```ts
 * const scope = batchScope.getStore(); // undefined outside a Batch API run
 * ```
 */
export const batchScope = new AsyncLocalStorage<BatchScope>();
