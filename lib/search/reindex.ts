import type { JobRecord } from "../contract.ts";
import { isPermanent } from "../errors.ts";
import type { RecordOutcome } from "../functions/job-handler.ts";
import type { ReindexJob } from "../jobs/schemas.ts";
import type { Logger } from "../log.ts";
import { completeTask } from "./client.ts";
import type { SearchIndexes } from "./search-indexes.ts";
import type { DocumentSource } from "./source.ts";

export interface ReindexDeps {
  source: DocumentSource;
  indexes: SearchIndexes;
  logger: Logger;
}

/**
 * Runs one reindex batch. The first batch (`after_id` null) creates the new
 * index with its settings and deletes the new index of any older reindex,
 * which then stops at its next batch. Each batch copies up to `batch_size`
 * rows after the cursor into the new index and enqueues the next batch. The
 * empty batch at the end swaps the new index with the live one and deletes
 * the old contents. Running a batch twice is harmless.
 */
export async function runReindexBatch(
  deps: ReindexDeps,
  job: ReindexJob,
  record: JobRecord<ReindexJob>,
): Promise<RecordOutcome> {
  const { indexes } = deps;
  const target = indexes.reindexTarget(job.reindex_id);
  const context = {
    index: indexes.live,
    newIndex: target,
    reindexId: job.reindex_id,
    batchNumber: job.batch_number,
  };

  if (job.after_id === null) {
    await startReindex(deps, target, context);
  } else if (!(await indexes.exists(target))) {
    deps.logger.warn(context, "reindex stopped: a newer reindex took over");
    return {};
  }

  const started = performance.now();
  const rows = await deps.source.fetchPage(job.after_id, job.batch_size);
  const last = rows.at(-1);
  if (last === undefined) {
    await finishReindex(deps, target, context);
    return {};
  }

  const built = await deps.source.buildDocuments(rows);
  const readMs = performance.now() - started;
  // A row that can never be indexed is logged and skipped. Any other error
  // (the store or the network) fails the batch, so the bridge retries it.
  for (const error of built.errors.values()) {
    if (!isPermanent(error)) throw error;
  }

  const copied = await indexes.withLock("shared", async () => {
    if (!(await indexes.exists(target))) return false;
    const written = await indexes.write([target], built.documents, []);
    if (written.add !== undefined) throw written.add;
    return true;
  });
  if (!copied) {
    deps.logger.warn(context, "reindex stopped: a newer reindex took over");
    return {};
  }

  const timing = {
    readMs: Math.round(readMs),
    writeMs: Math.round(performance.now() - started - readMs),
  };
  await logProgress(
    deps,
    { ...context, ...timing },
    last.id,
    rows.length,
    built.errors,
  );
  const next: ReindexJob = {
    after_id: last.id,
    batch_size: job.batch_size,
    reindex_id: job.reindex_id,
    batch_number: job.batch_number + 1,
    failed_rows: (job.failed_rows ?? 0) + built.errors.size,
  };
  return { enqueue: [{ subject: record.subject, job: next }] };
}

async function startReindex(
  deps: ReindexDeps,
  target: string,
  context: Record<string, unknown>,
): Promise<void> {
  const { indexes } = deps;
  await indexes.withLock("exclusive", async () => {
    for (const older of await indexes.reindexTargets()) {
      if (older === target) continue;
      await completeTask(
        indexes.client.deleteIndex(older),
        `delete index ${older}`,
      );
      deps.logger.info({ ...context, replaced: older }, "reindex took over");
    }
    await indexes.ensureIndex(target);
  });
  deps.logger.info(context, "reindex started");
}

async function finishReindex(
  deps: ReindexDeps,
  target: string,
  context: Record<string, unknown>,
): Promise<void> {
  const { indexes } = deps;
  const swapped = await indexes.withLock("exclusive", async () => {
    if (!(await indexes.exists(target))) return false;
    await indexes.ensureLive();
    await completeTask(
      indexes.client.swapIndexes([
        { indexes: [indexes.live, target], rename: false },
      ]),
      `swap ${indexes.live} with ${target}`,
    );
    // After the swap, `target` contains the old live documents.
    await completeTask(
      indexes.client.deleteIndex(target),
      `delete index ${target}`,
    );
    return true;
  });

  if (swapped) deps.logger.info(context, "reindex finished: new index live");
  else deps.logger.warn(context, "reindex stopped: a newer reindex took over");
}

async function logProgress(
  deps: ReindexDeps,
  context: Record<string, unknown>,
  lastId: string,
  batchRows: number,
  errors: Map<string, unknown>,
): Promise<void> {
  for (const [id, error] of errors) {
    deps.logger.error(
      { ...context, id, err: error },
      "reindex skipped a row that could not be indexed",
    );
  }
  const counts = await deps.source.countRows(lastId);
  deps.logger.info(
    {
      ...context,
      batchRows,
      processed: counts.through,
      failed: errors.size,
      total: counts.total,
    },
    "reindex batch done",
  );
}
