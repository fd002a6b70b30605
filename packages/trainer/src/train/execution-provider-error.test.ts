import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkProvidersInstalled, ExecutionProviderError } from "./execution-provider-error.js";

const binaries = join(
  dirname(createRequire(import.meta.url).resolve("onnxruntime-node")),
  "..",
  "bin",
  "napi-v6",
  process.platform,
  process.arch,
);
const cudaInstalled = existsSync(join(binaries, "libonnxruntime_providers_cuda.so"));

describe("checkProvidersInstalled", () => {
  it("lets the CPU and providers without libraries of their own through", () => {
    expect(() => checkProvidersInstalled({})).not.toThrow();
    expect(() => checkProvidersInstalled({ executionProviders: ["cpu", "webgpu"] })).not.toThrow();
  });

  it.skipIf(cudaInstalled || process.platform !== "linux")(
    "names the missing CUDA library before onnxruntime tries to load it (skipped where the CUDA build is installed, or off Linux)",
    () => {
      const error = (() => {
        try {
          checkProvidersInstalled({ executionProviders: [{ name: "cuda" }] });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ExecutionProviderError);
      expect((error as Error).message).toMatch(
        /"cuda" is not available \(libonnxruntime_providers_shared\.so is not installed in .*\): .*--onnxruntime-node-install-cuda=v12.*--device cpu/,
      );
    },
  );
});
