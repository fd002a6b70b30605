import { describe, expect, it } from "vitest";
import { RetryLog } from "./retry-log.js";

describe("RetryLog", () => {
  it("tells the first retry of a cause, then one line per cause per interval, then forgets quiet causes", () => {
    const lines: string[] = [];
    const log = new RetryLog((line) => lines.push(line), 10_000);
    for (let i = 0; i < 50; i++) log.note("503 Service Unavailable", 1, 1500);
    log.note("Connection error.", 2, 250);
    expect(lines).toEqual([
      expect.stringMatching(/^retry 1 in 1\.5 s: 503 Service Unavailable \(/),
      expect.stringMatching(/^retry 2 in 250 ms: Connection error\. \(/),
    ]);
    log.flush();
    expect(lines.slice(2)).toEqual(["49 more retries in the last 10 s: 503 Service Unavailable"]);
    log.flush(); // both quiet for an interval: forgotten
    log.note("503 Service Unavailable", 3, 2000);
    expect(lines.at(-1)).toMatch(/^retry 3 in 2 s: 503/);
    log.note("503 Service Unavailable", 4, 2000);
    log.close();
    expect(lines.at(-1)).toBe("1 more retry: 503 Service Unavailable");
    expect(lines).toHaveLength(5);
  });
});
