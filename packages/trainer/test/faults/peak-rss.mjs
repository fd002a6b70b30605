// Loaded with `node --import` by the memory tests: at exit, write this process's peak resident set size
// (kilobytes, getrusage's ru_maxrss) to the file named by APO_PEAK_RSS_FILE.
import { writeFileSync } from "node:fs";

process.on("exit", () => {
  const file = process.env.APO_PEAK_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
