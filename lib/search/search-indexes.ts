import type { Meilisearch } from "meilisearch";
import type { Pool } from "../db/pool.ts";
import { completeTask, isIndexNotFound, SearchTaskError } from "./client.ts";
import { type LockMode, withIndexLock } from "./index-lock.ts";
import { indexSettings, primaryKey, type SearchKind } from "./settings.ts";
import type { SearchDocument } from "./source.ts";

/** Errors of one write to a set of indexes, per part. */
export interface WriteErrors {
  /** Set when adding the documents failed on any index. */
  add?: unknown;
  /** Set when deleting the ids failed on any index. */
  delete?: unknown;
}

/**
 * The live index of one kind and the new index of a running reindex, named
 * `<live>_reindex_<reindex id>`. At most one new index exists per live index
 * at a time: a reindex that starts deletes any other.
 */
export class SearchIndexes {
  readonly kind: SearchKind;
  readonly live: string;
  readonly #client: Meilisearch;
  readonly #pool: Pool;
  #liveReady: Promise<void> | undefined;

  constructor(client: Meilisearch, pool: Pool, kind: SearchKind, live: string) {
    this.#client = client;
    this.#pool = pool;
    this.kind = kind;
    this.live = live;
  }

  get client(): Meilisearch {
    return this.#client;
  }

  /** Returns the name of the new index a reindex builds. */
  reindexTarget(reindexId: string): string {
    return `${this.live}_reindex_${reindexId}`;
  }

  withLock<T>(mode: LockMode, work: () => Promise<T>): Promise<T> {
    return withIndexLock(this.#pool, this.live, mode, work);
  }

  /** Creates the live index with its settings once, if it is missing. */
  ensureLive(): Promise<void> {
    this.#liveReady ??= this.ensureIndex(this.live);
    this.#liveReady.catch(() => {
      this.#liveReady = undefined;
    });
    return this.#liveReady;
  }

  /** Creates an index with the kind's settings unless it exists. */
  async ensureIndex(uid: string): Promise<void> {
    if (await this.exists(uid)) return;
    const created = await this.#client
      .createIndex(uid, { primaryKey })
      .waitTask();
    // Another instance may have created it first; it applies the settings.
    if (created.error?.code === "index_already_exists") return;
    if (created.status !== "succeeded") {
      throw new SearchTaskError(created, `create index ${uid}`);
    }
    await completeTask(
      this.#client.index(uid).updateSettings(indexSettings[this.kind]),
      `apply settings to ${uid}`,
    );
  }

  async exists(uid: string): Promise<boolean> {
    try {
      await this.#client.getRawIndex(uid);
      return true;
    } catch (error) {
      if (isIndexNotFound(error)) return false;
      throw error;
    }
  }

  /** New indexes of running reindexes; call under the lock. */
  async reindexTargets(): Promise<string[]> {
    const prefix = `${this.live}_reindex_`;
    const targets: string[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await this.#client.getRawIndexes({ offset, limit: 100 });
      for (const index of page.results) {
        if (index.uid.startsWith(prefix)) targets.push(index.uid);
      }
      if (offset + 100 >= page.total) return targets;
    }
  }

  /**
   * Adds documents and deletes ids on every index given, with one call per
   * index for each part, then waits for all of the tasks.
   */
  async write(
    uids: string[],
    documents: SearchDocument[],
    deleteIds: string[],
  ): Promise<WriteErrors> {
    const adds =
      documents.length === 0
        ? []
        : uids.map((uid) =>
            completeTask(
              this.#client.index(uid).addDocuments(documents, { primaryKey }),
              `add ${documents.length} documents to ${uid}`,
            ),
          );
    const deletes =
      deleteIds.length === 0
        ? []
        : uids.map((uid) =>
            completeTask(
              this.#client.index(uid).deleteDocuments(deleteIds),
              `delete ${deleteIds.length} documents from ${uid}`,
            ),
          );

    const [added, deleted] = await Promise.all([
      Promise.allSettled(adds),
      Promise.allSettled(deletes),
    ]);
    return { add: firstRejection(added), delete: firstRejection(deleted) };
  }
}

function firstRejection(results: PromiseSettledResult<unknown>[]): unknown {
  const rejected = results.find((result) => result.status === "rejected");
  return rejected?.status === "rejected" ? rejected.reason : undefined;
}
