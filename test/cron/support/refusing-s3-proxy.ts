import { once } from "node:events";
import {
  createServer,
  type IncomingMessage,
  request,
  type Server,
} from "node:http";

/**
 * An HTTP proxy in front of a local S3 that plays a store rejecting the
 * deletion of chosen keys, as S3 does for an object under legal hold. It
 * takes those keys out of each DeleteObjects request before forwarding it
 * and adds an `AccessDenied` error to the response for each one that
 * request carried. It also records the keys of every DeleteObjects
 * request. Keys must need no XML escaping.
 */
export class RefusingS3Proxy {
  /** The keys of each DeleteObjects request, in arrival order. */
  readonly deleteRequests: string[][] = [];
  /** Keys the store refuses to delete; tests may change it between runs. */
  readonly refusedKeys: Set<string>;
  readonly #server: Server;
  readonly endpoint: string;

  private constructor(
    server: Server,
    endpoint: string,
    refusedKeys: Iterable<string>,
  ) {
    this.#server = server;
    this.endpoint = endpoint;
    this.refusedKeys = new Set(refusedKeys);
  }

  /** How many keys each DeleteObjects request carried. */
  get keysPerDeleteRequest(): number[] {
    return this.deleteRequests.map((keys) => keys.length);
  }

  static async start(upstream: string, refusedKeys: Iterable<string>) {
    const target = new URL(upstream);
    let proxy: RefusingS3Proxy | undefined;
    const server = createServer(async (incoming, outgoing) => {
      const isDelete =
        incoming.method === "POST" &&
        /[?&]delete(=|&|$)/.test(incoming.url ?? "");
      let body = await readBody(incoming);
      const refusedHere: string[] = [];
      if (isDelete && proxy !== undefined) {
        const keys = keysOf(body);
        proxy.deleteRequests.push(keys);
        for (const key of keys) {
          if (!proxy.refusedKeys.has(key)) continue;
          refusedHere.push(key);
          body = body.replace(`<Object><Key>${key}</Key></Object>`, "");
        }
        // A request left with no keys is invalid XML to S3, so the proxy
        // answers it itself, as a store refusing every key would.
        if (refusedHere.length === keys.length) {
          outgoing.writeHead(200, { "content-type": "application/xml" });
          outgoing.end(
            `<?xml version="1.0" encoding="UTF-8"?><DeleteResult>${refusedHere.map(accessDeniedXml).join("")}</DeleteResult>`,
          );
          return;
        }
      }

      const headers = { ...incoming.headers, host: target.host };
      delete headers["content-length"];
      const forwarded = request(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers,
        },
        async (response) => {
          let text = await readBody(response);
          const responseHeaders = { ...response.headers };
          delete responseHeaders["content-length"];
          if (isDelete && response.statusCode === 200) {
            const errors = refusedHere.map(accessDeniedXml).join("");
            text = text.replace("</DeleteResult>", `${errors}</DeleteResult>`);
          }
          outgoing.writeHead(response.statusCode ?? 502, responseHeaders);
          outgoing.end(text);
        },
      );
      forwarded.on("error", () => outgoing.destroy());
      forwarded.end(body);
    });

    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    const port =
      typeof address === "object" && address !== null ? address.port : 0;
    proxy = new RefusingS3Proxy(
      server,
      `http://127.0.0.1:${port}`,
      refusedKeys,
    );
    return proxy;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

async function readBody(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

function keysOf(deleteXml: string): string[] {
  return [...deleteXml.matchAll(/<Key>(.*?)<\/Key>/g)].map(
    (match) => match[1] as string,
  );
}

function accessDeniedXml(key: string): string {
  return `<Error><Key>${key}</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`;
}
