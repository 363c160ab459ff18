// Runs s3rver with one bucket in a process of its own, so the benchmark's
// object store does not share an event loop with the code it measures.
// Prints the endpoint as one JSON line once ready; stops on SIGTERM.
import { LocalS3 } from "../../lib/local/s3-server.ts";

const [directory = "", bucket = "content"] = process.argv.slice(2);
const s3 = await LocalS3.start({ directory, buckets: [bucket] });
process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint })}\n`);
process.once("SIGTERM", () => {
  s3.stop().then(() => process.exit(0));
});
