import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { searchIndex } from "./meilisearch-search.ts";
import {
  type Document,
  IndexStore,
  indexNotFound,
  StandInError,
  type StoredIndex,
} from "./meilisearch-store.ts";
import { summarize, type TaskMatch, TaskQueue } from "./meilisearch-tasks.ts";

export interface StandInOptions {
  /** Port on 127.0.0.1 [a free one]. */
  port?: number;
  /** When set, requests must send `Authorization: Bearer <key>`. */
  apiKey?: string;
}

/** One request the stand-in received, for tests that count calls. */
export interface ReceivedRequest {
  method: string;
  path: string;
}

type Reply = { status: number; body: unknown };
type Route = (match: string[], body: unknown, url: URL) => Reply;

/**
 * A stand-in for Meilisearch, for local runs and tests: the HTTP endpoints
 * the functions call, with asynchronous tasks, index swaps, a basic search
 * and failures on demand. It is not a search engine: no typo tolerance, no
 * ranking, everything in memory.
 */
export class MeilisearchStandIn {
  readonly store = new IndexStore();
  readonly tasks = new TaskQueue();
  readonly requests: ReceivedRequest[] = [];
  readonly #server: Server;
  readonly #apiKey: string | undefined;
  #port = 0;

  private constructor(options: StandInOptions) {
    this.#apiKey = options.apiKey;
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        send(response, 500, { message: String(error), code: "internal" });
      });
    });
  }

  static async start(
    options: StandInOptions = {},
  ): Promise<MeilisearchStandIn> {
    const standIn = new MeilisearchStandIn(options);
    await new Promise<void>((resolve, reject) => {
      standIn.#server.once("error", reject);
      standIn.#server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    const address = standIn.#server.address();
    standIn.#port = typeof address === "object" && address ? address.port : 0;
    return standIn;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Makes the next task that matches fail with Meilisearch's error. */
  failNextTask(match: TaskMatch, message: string, code = "internal"): void {
    this.tasks.failNext(match, message, code);
  }

  /** Documents of an index by id, or undefined when it does not exist. */
  documents(uid: string): Map<string, Document> | undefined {
    return this.store.indexes.get(uid)?.documents;
  }

  /** Requests received so far that match a method and a path pattern. */
  countRequests(method: string, path: RegExp): number {
    return this.requests.filter(
      (request) => request.method === method && path.test(request.path),
    ).length;
  }

  async stop(): Promise<void> {
    this.tasks.stop();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? "/", "http://stand-in");
    const method = request.method ?? "GET";
    this.requests.push({ method, path: url.pathname });

    if (this.#apiKey !== undefined && !this.#authorized(request)) {
      send(response, 403, invalidKey());
      return;
    }

    const body = await readJson(request);
    try {
      const reply = this.#route(method, url, body);
      send(response, reply.status, reply.body);
    } catch (error) {
      if (!(error instanceof StandInError)) throw error;
      send(response, error.status, error.toApiError());
    }
  }

  #authorized(request: IncomingMessage): boolean {
    return request.headers.authorization === `Bearer ${this.#apiKey}`;
  }

  #route(method: string, url: URL, body: unknown): Reply {
    for (const [pattern, handlers] of this.#routes) {
      const match = url.pathname.match(pattern);
      const handler = match ? handlers[method] : undefined;
      if (match && handler) return handler(match.slice(1), body, url);
    }
    throw new StandInError(
      `${method} ${url.pathname} is not supported by the stand-in.`,
      "not_found",
      404,
    );
  }

  readonly #routes: [RegExp, Record<string, Route>][] = [
    [/^\/health$/, { GET: () => ok({ status: "available" }) }],
    [/^\/tasks\/(\d+)$/, { GET: ([uid]) => this.#getTask(Number(uid)) }],
    [/^\/tasks$/, { GET: () => ok(listOf(this.tasks.list())) }],
    [/^\/swap-indexes$/, { POST: (_, body) => this.#swap(body) }],
    [
      /^\/indexes$/,
      {
        GET: (_, __, url) => this.#listIndexes(url),
        POST: (_, body) => this.#createIndex(body),
      },
    ],
    [
      /^\/indexes\/([^/]+)$/,
      {
        GET: ([uid]) => ok(describe(this.store.get(uid as string))),
        DELETE: ([uid]) => this.#deleteIndex(uid as string),
      },
    ],
    [
      /^\/indexes\/([^/]+)\/settings$/,
      {
        GET: ([uid]) => ok(this.store.get(uid as string).settings),
        PATCH: ([uid], body) => this.#updateSettings(uid as string, body),
      },
    ],
    [
      /^\/indexes\/([^/]+)\/documents$/,
      {
        GET: ([uid], _, url) => this.#getDocuments(uid as string, url),
        POST: ([uid], body, url) =>
          this.#addDocuments(uid as string, body, url, false),
        PUT: ([uid], body, url) =>
          this.#addDocuments(uid as string, body, url, true),
        DELETE: ([uid]) => this.#deleteAllDocuments(uid as string),
      },
    ],
    [
      /^\/indexes\/([^/]+)\/documents\/delete-batch$/,
      { POST: ([uid], body) => this.#deleteDocuments(uid as string, body) },
    ],
    [
      /^\/indexes\/([^/]+)\/documents\/([^/]+)$/,
      { GET: ([uid, id]) => this.#getDocument(uid as string, id as string) },
    ],
    [
      /^\/indexes\/([^/]+)\/stats$/,
      {
        GET: ([uid]) =>
          ok({
            numberOfDocuments: this.store.get(uid as string).documents.size,
            isIndexing: !this.tasks.idle,
          }),
      },
    ],
    [
      /^\/indexes\/([^/]+)\/search$/,
      {
        POST: ([uid], body) =>
          ok(searchIndex(this.store.get(uid as string), (body ?? {}) as never)),
      },
    ],
  ];

  #getTask(uid: number): Reply {
    const task = this.tasks.get(uid);
    if (task === undefined) {
      throw new StandInError(
        `Task \`${uid}\` not found.`,
        "task_not_found",
        404,
      );
    }
    return ok(task);
  }

  #listIndexes(url: URL): Reply {
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const limit = Number(url.searchParams.get("limit") ?? 20);
    const all = [...this.store.indexes.values()].map(describe);
    return ok({
      results: all.slice(offset, offset + limit),
      offset,
      limit,
      total: all.length,
    });
  }

  #createIndex(body: unknown): Reply {
    const { uid, primaryKey = null } = (body ?? {}) as {
      uid?: string;
      primaryKey?: string | null;
    };
    if (typeof uid !== "string" || !/^[A-Za-z0-9_-]{1,400}$/.test(uid)) {
      throw new StandInError(
        `Invalid index uid \`${uid}\`.`,
        "invalid_index_uid",
      );
    }
    return this.#enqueue("indexCreation", uid, { primaryKey }, () => {
      this.store.create(uid, primaryKey);
    });
  }

  #deleteIndex(uid: string): Reply {
    return this.#enqueue("indexDeletion", uid, {}, () => {
      const deletedDocuments = this.store.get(uid).documents.size;
      this.store.delete(uid);
      return { deletedDocuments };
    });
  }

  #updateSettings(uid: string, body: unknown): Reply {
    const settings = (body ?? {}) as Record<string, unknown>;
    return this.#enqueue("settingsUpdate", uid, { ...settings }, () => {
      const index = this.store.getOrCreate(uid);
      index.settings = { ...index.settings, ...settings };
    });
  }

  #getDocuments(uid: string, url: URL): Reply {
    const index = this.store.get(uid);
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const limit = Number(url.searchParams.get("limit") ?? 20);
    const all = [...index.documents.values()];
    return ok({
      results: all.slice(offset, offset + limit),
      offset,
      limit,
      total: all.length,
    });
  }

  #getDocument(uid: string, id: string): Reply {
    const document = this.store.get(uid).documents.get(decodeURIComponent(id));
    if (document === undefined) {
      throw new StandInError(
        `Document \`${id}\` not found.`,
        "document_not_found",
        404,
      );
    }
    return ok(document);
  }

  #addDocuments(uid: string, body: unknown, url: URL, merge: boolean): Reply {
    const documents = (Array.isArray(body) ? body : [body]) as Document[];
    const primaryKey = url.searchParams.get("primaryKey");
    return this.#enqueue(
      "documentAdditionOrUpdate",
      uid,
      { receivedDocuments: documents.length },
      () => {
        if (primaryKey !== null) this.store.getOrCreate(uid, primaryKey);
        const indexedDocuments = this.store.addDocuments(uid, documents, merge);
        return { indexedDocuments };
      },
    );
  }

  #deleteDocuments(uid: string, body: unknown): Reply {
    const ids = Array.isArray(body) ? body : [];
    return this.#enqueue(
      "documentDeletion",
      uid,
      { providedIds: ids.length },
      () => ({
        deletedDocuments: this.store.deleteDocuments(uid, ids),
      }),
    );
  }

  #deleteAllDocuments(uid: string): Reply {
    return this.#enqueue("documentDeletion", uid, {}, () => {
      const index = this.store.get(uid);
      const deletedDocuments = index.documents.size;
      index.documents.clear();
      return { deletedDocuments };
    });
  }

  #swap(body: unknown): Reply {
    const swaps = (Array.isArray(body) ? body : []) as { indexes?: string[] }[];
    return this.#enqueue("indexSwap", null, { swaps }, () => {
      for (const { indexes = [] } of swaps) {
        const [first, second] = indexes;
        if (first === undefined || second === undefined) {
          throw new StandInError(
            "Two indexes are needed to swap.",
            "invalid_swap_indexes",
          );
        }
        for (const uid of [first, second]) {
          if (!this.store.indexes.has(uid)) throw indexNotFound(uid);
        }
        this.store.swap(first, second);
      }
    });
  }

  #enqueue(
    type: string,
    uid: string | null,
    details: Record<string, unknown>,
    work: () => Record<string, unknown> | undefined | void,
  ): Reply {
    const task = this.tasks.enqueue(
      type,
      uid,
      details,
      () => work() ?? undefined,
    );
    return { status: 202, body: summarize(task) };
  }
}

function ok(body: unknown): Reply {
  return { status: 200, body };
}

function describe(index: StoredIndex) {
  return {
    uid: index.uid,
    primaryKey: index.primaryKey,
    createdAt: index.createdAt,
    updatedAt: index.updatedAt,
  };
}

function listOf<T>(results: T[]) {
  return {
    results,
    total: results.length,
    limit: results.length,
    from: null,
    next: null,
  };
}

function invalidKey() {
  return new StandInError(
    "The provided API key is invalid.",
    "invalid_api_key",
    403,
  ).toApiError();
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}
