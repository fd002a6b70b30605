import { defineProject, type UserWorkspaceConfig } from "vitest/config";

/** Resolve workspace packages to their TypeScript sources, so tests never need a build. */
const conditions = ["@apo-clair/source", "module", "node", "development|production"];

export function packageTests(name: string, extra: UserWorkspaceConfig["test"] = {}): UserWorkspaceConfig {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      name,
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      environment: "node",
      // Real onnxruntime sessions and child processes on a 2-core CI machine: generous limits.
      testTimeout: 120_000,
      hookTimeout: 120_000,
      ...extra,
    },
  });
}
