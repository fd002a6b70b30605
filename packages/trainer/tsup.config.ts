import { defineConfig } from "tsup";
import { packageBuild } from "../../scripts/tsup-preset.js";

export default defineConfig(
  packageBuild({
    index: "src/index.ts",
    graph: "src/graph.ts",
    testing: "src/testing.ts",
    cli: "src/cli.ts",
  }),
);
