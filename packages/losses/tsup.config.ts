import { defineConfig } from "tsup";
import { packageBuild } from "../../scripts/tsup-preset.js";

// Shared chunks, so that the entries share one copy of each module: an error thrown through
// `@apo/losses/define` is `instanceof` the class imported from `@apo/losses`, and `LOSSES` holds the very
// definition objects that `@apo/losses/define` exports.
export default defineConfig(
  packageBuild(
    { index: "src/index.ts", define: "src/define.ts", testing: "src/testing.ts" },
    { splitting: true },
  ),
);
