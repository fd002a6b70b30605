import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
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

/** The shared libraries onnxruntime-node loads from its binary folder for a provider, by platform. */
const PROVIDER_LIBRARIES: Record<string, Partial<Record<NodeJS.Platform, readonly string[]>>> = {
  cuda: {
    linux: ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"],
    win32: ["onnxruntime_providers_shared.dll", "onnxruntime_providers_cuda.dll"],
  },
  tensorrt: {
    linux: ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_tensorrt.so"],
    win32: ["onnxruntime_providers_shared.dll", "onnxruntime_providers_tensorrt.dll"],
  },
};

/** onnxruntime-node's folder of native libraries, or undefined where it cannot be found from here. */
function onnxruntimeBinaryFolder(): string | undefined {
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve("onnxruntime-node");
  } catch {
    // Not resolvable from this module (an unusual install): onnxruntime's own load reports the failure.
    return undefined;
  }
  return join(dirname(main), "..", "bin", "napi-v6", process.platform, process.arch);
}

/**
 * Check, before any session is opened, that the shared libraries of each execution provider asked for
 * (CUDA, TensorRT) are installed beside onnxruntime-node. Without this, onnxruntime tries to load them,
 * prints a red "Failed to load library" line of its own to stderr, and only then fails.
 *
 * @throws ExecutionProviderError naming the provider and the missing library, with how to install it
 * @example
 * ```ts
 * checkProvidersInstalled({ executionProviders: ["cuda"] }); // throws on a machine without the CUDA build
 * ```
 */
export function checkProvidersInstalled(options: InferenceSession.SessionOptions): void {
  const asked = (options.executionProviders ?? []).map((p) => (typeof p === "string" ? p : p.name));
  const folder = asked.some((p) => PROVIDER_LIBRARIES[p] !== undefined)
    ? onnxruntimeBinaryFolder()
    : undefined;
  if (folder === undefined || !existsSync(folder)) return;
  for (const provider of asked) {
    const libraries = PROVIDER_LIBRARIES[provider];
    if (libraries === undefined) continue;
    const needed = libraries[process.platform];
    const missing =
      needed === undefined
        ? `onnxruntime-node has no ${provider} provider on ${process.platform}`
        : needed.find((file) => !existsSync(join(folder, file)));
    if (missing !== undefined) {
      const cause = new Error(needed === undefined ? missing : `${missing} is not installed in ${folder}`);
      throw new ExecutionProviderError(provider, cause);
    }
  }
}
