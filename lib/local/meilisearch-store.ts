// The in-memory state of the Meilisearch stand-in: indexes, documents and an
// ordered task queue. Field names follow Meilisearch's HTTP API (v1).

export type Document = Record<string, unknown>;

export interface StoredIndex {
  uid: string;
  primaryKey: string | null;
  createdAt: string;
  updatedAt: string;
  settings: Record<string, unknown>;
  documents: Map<string, Document>;
}

/** Meilisearch's error body. */
export interface ApiError {
  message: string;
  code: string;
  type: string;
  link: string;
}

export type TaskStatus =
  | "enqueued"
  | "processing"
  | "succeeded"
  | "failed"
  | "canceled";

export interface StoredTask {
  uid: number;
  indexUid: string | null;
  status: TaskStatus;
  type: string;
  details: Record<string, unknown>;
  error: ApiError | null;
  enqueuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** An error with Meilisearch's code, ending a task or a request. */
export class StandInError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(message: string, code: string, status = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }

  toApiError(): ApiError {
    return {
      message: this.message,
      code: this.code,
      type: this.status >= 500 ? "internal" : "invalid_request",
      link: `https://docs.meilisearch.com/errors#${this.code}`,
    };
  }
}

export function indexNotFound(uid: string): StandInError {
  return new StandInError(
    `Index \`${uid}\` not found.`,
    "index_not_found",
    404,
  );
}

export class IndexStore {
  readonly indexes = new Map<string, StoredIndex>();

  get(uid: string): StoredIndex {
    const index = this.indexes.get(uid);
    if (index === undefined) throw indexNotFound(uid);
    return index;
  }

  /** Returns the index, creating it as document additions do. */
  getOrCreate(uid: string, primaryKey: string | null = null): StoredIndex {
    const existing = this.indexes.get(uid);
    if (existing !== undefined) return existing;

    const now = new Date().toISOString();
    const index: StoredIndex = {
      uid,
      primaryKey,
      createdAt: now,
      updatedAt: now,
      settings: {},
      documents: new Map(),
    };
    this.indexes.set(uid, index);
    return index;
  }

  create(uid: string, primaryKey: string | null): void {
    if (this.indexes.has(uid)) {
      throw new StandInError(
        `Index \`${uid}\` already exists.`,
        "index_already_exists",
        409,
      );
    }
    this.getOrCreate(uid, primaryKey);
  }

  delete(uid: string): void {
    this.get(uid);
    this.indexes.delete(uid);
  }

  /** Exchanges the contents of two indexes, keeping their names. */
  swap(first: string, second: string): void {
    const a = this.get(first);
    const b = this.get(second);
    this.indexes.set(first, { ...b, uid: first });
    this.indexes.set(second, { ...a, uid: second });
  }

  /** Adds or replaces documents by primary key; returns how many. */
  addDocuments(uid: string, documents: Document[], merge: boolean): number {
    const index = this.getOrCreate(uid);
    const key = index.primaryKey ?? inferPrimaryKey(documents);
    index.primaryKey = key;

    for (const document of documents) {
      const id = document[key];
      if (typeof id !== "string" && typeof id !== "number") {
        throw new StandInError(
          `Document does not have a \`${key}\` attribute: ${JSON.stringify(document).slice(0, 200)}.`,
          "missing_document_id",
        );
      }
      const previous = merge ? index.documents.get(String(id)) : undefined;
      index.documents.set(String(id), { ...previous, ...document });
    }
    index.updatedAt = new Date().toISOString();
    return documents.length;
  }

  /** Deletes documents by id; returns how many existed. */
  deleteDocuments(uid: string, ids: unknown[]): number {
    const index = this.get(uid);
    let deleted = 0;
    for (const id of ids) {
      if (index.documents.delete(String(id))) deleted += 1;
    }
    index.updatedAt = new Date().toISOString();
    return deleted;
  }
}

function inferPrimaryKey(documents: Document[]): string {
  const first = documents[0] ?? {};
  const key = Object.keys(first).find((name) => /id$/i.test(name));
  if (key === undefined) {
    throw new StandInError(
      "The primary key inference failed as the engine did not find any field ending with `id` in its name.",
      "index_primary_key_no_candidate_found",
    );
  }
  return key;
}
