import type { InferenceSession } from "onnxruntime-node";
import { ApoError } from "../errors.js";

/** How to make each execution provider available to onnxruntime-node. */
const HOW_TO_INSTALL: Record<string, string> = {
  cuda:
    "reinstall onnxruntime-node with its CUDA binaries (npm install onnxruntime-node --onnxruntime-node-install-cuda=v12; " +
    "Linux x64 only) and put the CUDA 12 and cuDNN 9 libraries on the library path (LD_LIBRARY_PATH)",
  webgpu: "use an onnxruntime-node build with WebGPU (Windows, macOS, Linux x64; experimental)",
};

/**
 * onnxruntime-node could not start the execution provider a run asked for (its binaries or libraries are
 * missing). The message says how to install it.
 *
 * @example
 * ```ts
 * throw new ExecutionProviderError("cuda", cause);
 * ```
 */
export class ExecutionProviderError extends ApoError {
  readonly provider: string;

  constructor(provider: string, cause: unknown) {
    const how = HOW_TO_INSTALL[provider] ?? `install an onnxruntime-node build with the ${provider} provider`;
    super(
      "EXECUTION_PROVIDER_UNAVAILABLE",
      `execution provider "${provider}" is not available (${cause instanceof Error ? cause.message.trim() : String(cause)}): ${how}; or train on the CPU (--device cpu)`,
      { cause },
    );
    this.provider = provider;
  }
}

/**
 * The error to report for a failure while opening a session: an {@link ExecutionProviderError} when a
 * provider other than the CPU was asked for and onnxruntime could not load it, else `error` itself.
 *
 * @example
 * ```ts
 * try { await TrainStepSession.create(model, { sessionOptions }); } catch (e) { throw explainProviderFailure(e, sessionOptions); }
 * ```
 */
export function explainProviderFailure(error: unknown, options: InferenceSession.SessionOptions): unknown {
  const asked = (options.executionProviders ?? [])
    .map((p) => (typeof p === "string" ? p : p.name))
    .filter((p) => p !== "cpu");
  const message = error instanceof Error ? error.message : String(error);
  const provider = asked.find(
    (p) =>
      message.toLowerCase().includes(p.toLowerCase()) ||
      /shared librar|execution ?provider|backend/i.test(message),
  );
  return provider === undefined || ApoError.isInstance(error)
    ? error
    : new ExecutionProviderError(provider, error);
}
