// The test server in its own process, so that the benchmark measures our overhead, not the server's.
import { startTestServer } from "../test/server.js";

const server = await startTestServer();
process.stdout.write(`${server.url}\n`);
process.on("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
