import type { Options } from "tsup";

/** The build every package shares: ESM + CJS with their own declaration files. */
export function packageBuild(entry: Record<string, string>, extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ["esm", "cjs"],
    dts: { compilerOptions: { composite: false } },
    tsconfig: "tsconfig.build.json",
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    splitting: false,
    treeshake: true,
    ...extra,
  };
}
