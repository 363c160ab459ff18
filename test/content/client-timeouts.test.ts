import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { describe, test } from "node:test";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { createS3Client } from "../../lib/storage/s3-client.ts";

describe("client request timeouts", () => {
  test("S3 gives up on a silent endpoint", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done));
    const address = silent.address();
    assert.ok(address !== null && typeof address === "object");
    try {
      const s3 = createS3Client(
        {
          endpoint: `http://127.0.0.1:${address.port}`,
          region: "us-east-1",
          forcePathStyle: true,
          credentials: { accessKeyId: "a", secretAccessKey: "b" },
        },
        { connectionMs: 1_000, requestMs: 100 },
      );
      await assert.rejects(
        s3.send(new DeleteObjectCommand({ Bucket: "content", Key: "posts/a" })),
        (error: Error) => error.name === "TimeoutError",
      );
      s3.destroy();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => silent.close(() => done()));
    }
  });
});
