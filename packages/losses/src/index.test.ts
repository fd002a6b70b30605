import { expect, it } from "vitest";
import { version } from "@apo/losses";

it("resolves to source", () => {
  expect(version).toBe("0.1.0");
});
