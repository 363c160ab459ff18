import type { JobRecord } from "../contract.ts";
import type { BatchOutcome } from "../functions/job-handler.ts";
import type { IndexAction } from "../jobs/schemas.ts";
import type { Logger } from "../log.ts";
import type { SearchIndexes } from "./search-indexes.ts";
import type { DocumentSource, SearchDocument } from "./source.ts";

export interface IndexBatchDeps {
  source: DocumentSource;
  indexes: SearchIndexes;
  logger: Logger;
}

/** An index job reduced to its entity id and action. */
export interface IndexRequest {
  id: string;
  action: IndexAction;
}

/** The documents to write, and the records behind each entity id. */
interface WritePlan {
  documents: SearchDocument[];
  deleteIds: string[];
  /** Entity id to the records that asked for it. */
  recordsOf: Map<string, string[]>;
  errors: Map<string, unknown>;
}

/**
 * Makes the search documents of a batch match the database. `Index` reads
 * the row (and content) and upserts its document, or deletes it when the
 * row is gone; `Delete` deletes it. When several records name one id, the
 * last one wins. All documents go to each index in one call, all deletions
 * in another; a failed call fails the records of that part only.
 */
export async function processIndexBatch(
  deps: IndexBatchDeps,
  records: JobRecord<IndexRequest>[],
): Promise<BatchOutcome> {
  const plan = await planWrites(deps, records);
  const { indexes } = deps;
  await indexes.ensureLive();

  const written = await indexes.withLock("shared", async () => {
    const targets = await indexes.reindexTargets();
    const uids = [indexes.live, ...targets];
    return indexes.write(uids, plan.documents, plan.deleteIds);
  });

  const failPart = (ids: Iterable<string>, error: unknown) => {
    for (const id of ids) {
      for (const recordId of plan.recordsOf.get(id) ?? []) {
        plan.errors.set(recordId, error);
      }
    }
  };
  if (written.add !== undefined) {
    failPart(
      plan.documents.map((document) => document.id),
      written.add,
    );
  }
  if (written.delete !== undefined) failPart(plan.deleteIds, written.delete);

  deps.logger.debug(
    {
      index: indexes.live,
      records: records.length,
      upserted: plan.documents.length,
      deleted: plan.deleteIds.length,
      failed: plan.errors.size,
    },
    "index batch written",
  );
  return { errors: plan.errors, enqueue: [] };
}

async function planWrites(
  deps: IndexBatchDeps,
  records: JobRecord<IndexRequest>[],
): Promise<WritePlan> {
  const plan: WritePlan = {
    documents: [],
    deleteIds: [],
    recordsOf: new Map(),
    errors: new Map(),
  };
  const lastAction = new Map<string, IndexAction>();
  for (const record of records) {
    const { id, action } = record.job;
    lastAction.set(id, action);
    plan.recordsOf.set(id, [...(plan.recordsOf.get(id) ?? []), record.id]);
  }

  const toIndex = [...lastAction]
    .filter(([, action]) => action === "Index")
    .map(([id]) => id);
  const rows =
    toIndex.length === 0 ? new Map() : await deps.source.fetchByIds(toIndex);
  const built = await deps.source.buildDocuments([...rows.values()]);
  plan.documents = built.documents;

  for (const [id, action] of lastAction) {
    if (action === "Delete" || !rows.has(id)) plan.deleteIds.push(id);
  }
  for (const [id, error] of built.errors) {
    for (const recordId of plan.recordsOf.get(id) ?? []) {
      plan.errors.set(recordId, error);
    }
  }
  return plan;
}
