// Runs s3rver in a process of its own: `node --openssl-legacy-provider
// s3rver-process.ts <folder> <port> <bucket>...`. s3rver 3.7 encrypts
// ListObjectsV2 continuation tokens with DES, which OpenSSL 3 in Node 24
// only offers with the legacy provider; without it every listing past its
// first page fails with InternalError.
import { LocalS3 } from "../../../lib/local/s3-server.ts";

const [directory = "", port = "0", ...buckets] = process.argv.slice(2);
const server = await LocalS3.start({ directory, port: Number(port), buckets });
process.stdout.write(`s3rver ready ${server.endpoint}\n`);

process.once("SIGTERM", () => {
  server.stop().then(() => process.exit(0));
});
