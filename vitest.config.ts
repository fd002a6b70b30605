import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      "packages/*",
      "examples/*",
      // The repository's own tools (scripts/api-report.ts), tested against throw-away fixture repositories.
      { test: { name: "scripts", include: ["scripts/**/*.test.ts"], environment: "node" } },
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
