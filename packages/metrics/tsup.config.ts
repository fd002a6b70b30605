import { defineConfig } from "tsup";
import { packageBuild } from "../../scripts/tsup-preset.js";

// The CLI and the worker thread are entries of their own; `shims` gives the CommonJS build an
// `import.meta.url`, by which the pool finds `worker.cjs` beside `index.cjs`.
export default defineConfig(
  packageBuild({ index: "src/index.ts", cli: "src/cli.ts", worker: "src/worker.ts" }, { shims: true }),
);
