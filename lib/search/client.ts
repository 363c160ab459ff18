import {
  type EnqueuedTaskPromise,
  Meilisearch,
  MeilisearchApiError,
  type Task,
} from "meilisearch";
import { jobClientTimeouts } from "../client-timeouts.ts";
import type { SearchConfig } from "./config.ts";

/** A Meilisearch task that ended `failed` or `canceled`. Retryable. */
export class SearchTaskError extends Error {
  override name = "SearchTaskError";
  readonly taskUid: number;
  readonly indexUid: string | null;
  /** Meilisearch's error code, such as `index_not_found`. */
  readonly code: string | undefined;

  constructor(task: Task, action: string) {
    const reason = task.error?.message ?? `task was ${task.status}`;
    super(`Meilisearch task ${task.uid} (${action}) failed: ${reason}`);
    this.taskUid = task.uid;
    this.indexUid = task.indexUid;
    this.code = task.error?.code;
  }
}

export function createSearchClient(config: SearchConfig): Meilisearch {
  return new Meilisearch({
    host: config.host,
    apiKey: config.apiKey,
    // The timeout of each HTTP request; waiting for a task has its own.
    timeout: Math.min(config.taskTimeoutMs, jobClientTimeouts.requestMs),
    defaultWaitOptions: { timeout: config.taskTimeoutMs, interval: 25 },
  });
}

/**
 * Waits for an enqueued task and returns it once it succeeded. A task that
 * failed or was canceled throws SearchTaskError with Meilisearch's message.
 * `action` names the operation in that message, like "add 47 documents".
 */
export async function completeTask(
  enqueued: EnqueuedTaskPromise,
  action: string,
): Promise<Task> {
  const task = await enqueued.waitTask();
  if (task.status !== "succeeded") {
    throw new SearchTaskError(task, action);
  }
  return task;
}

/** Checks whether Meilisearch rejected a request for a missing index. */
export function isIndexNotFound(error: unknown): boolean {
  return (
    error instanceof MeilisearchApiError &&
    error.cause?.code === "index_not_found"
  );
}
