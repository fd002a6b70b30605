import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ApoError } from "./errors.js";
import { IoError, withPath } from "./io-error.js";

describe("IoError", () => {
  it.skipIf(!existsSync("/dev/full"))(
    "names the path of a failed write, which Node's ENOSPC does not (skipped where /dev/full is missing)",
    async () => {
      // /dev/full: every write fails with ENOSPC, as on a full disk.
      const error = await withPath("/dev/full", "write", () => writeFile("/dev/full", "x")).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(IoError);
      expect(error).toMatchObject({
        code: "IO",
        path: "/dev/full",
        operation: "write",
        errno: "ENOSPC",
        message:
          "cannot write /dev/full: no space left on the device: free some space, or write elsewhere (ENOSPC)",
      });
      expect((error as IoError).cause).toMatchObject({ code: "ENOSPC" });
    },
  );

  it("passes errors that already say where they are", async () => {
    const inner = new IoError("/a", "read", new Error("boom"));
    await expect(withPath("/b", "write", () => Promise.reject(inner))).rejects.toBe(inner);
    expect(inner.message).toBe("cannot read /a: boom");
    expect(ApoError.isInstance(inner)).toBe(true);
  });
});
