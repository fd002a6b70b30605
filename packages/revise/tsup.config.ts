import { defineConfig } from "tsup";
import { packageBuild } from "../../scripts/tsup-preset.js";

export default defineConfig(
  packageBuild({ index: "src/index.ts", stats: "src/stats.ts", cli: "src/cli.ts" }),
);
