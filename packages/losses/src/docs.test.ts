import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";

// Every TypeScript example in docs/losses.md that imports @apo/losses (or one of its subpaths) runs as written.
const docs = fileURLToPath(new URL("../../../docs/losses.md", import.meta.url));
const scratch = fileURLToPath(new URL("../.doc-snippets/", import.meta.url));
const blocks = [...readFileSync(docs, "utf8").matchAll(/```ts\n([\s\S]*?)```/g)]
  .map((match) => match[1] as string)
  .filter((code) => /from "@apo\/losses(\/\w+)?"/.test(code));

describe("docs/losses.md examples", () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("has examples", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it.each(blocks.map((code, i) => [i, code] as const))(
    "example %i runs and prints finite numbers",
    async (i, code) => {
      mkdirSync(scratch, { recursive: true });
      const file = `${scratch}example-${i}.ts`;
      writeFileSync(file, code);
      const printed: unknown[] = [];
      const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
        printed.push(...args);
      });
      try {
        await import(file);
      } finally {
        log.mockRestore();
      }
      expect(printed.length).toBeGreaterThan(0);
      for (const value of printed) {
        const numbers =
          typeof value === "number" ? [value] : value instanceof Float64Array ? Array.from(value) : [];
        for (const n of numbers) expect(Number.isFinite(n)).toBe(true);
      }
    },
  );
});
