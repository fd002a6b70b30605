import { defineConfig } from "tsup";
import { packageBuild } from "../../scripts/tsup-preset.js";

// `shims` gives the CommonJS build an `import.meta.url`, by which execution-provider-error.ts finds
// onnxruntime-node's native libraries.
export default defineConfig(
  packageBuild(
    {
      index: "src/index.ts",
      graph: "src/graph.ts",
      testing: "src/testing.ts",
      cli: "src/cli.ts",
    },
    { shims: true },
  ),
);
