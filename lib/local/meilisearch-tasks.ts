import { StandInError, type StoredTask } from "./meilisearch-store.ts";

/** Work a task does when processed; returns extra `details`. */
export type TaskWork = () => Record<string, unknown> | undefined;

/** The tasks a planned failure applies to. Unset fields match any task. */
export interface TaskMatch {
  type?: string;
  indexUid?: string;
}

interface PlannedFailure {
  match: TaskMatch;
  error: StandInError;
}

interface QueuedTask {
  task: StoredTask;
  work: TaskWork;
}

/** Tasks kept for `GET /tasks/:uid`; the oldest finished ones are dropped. */
const maxKeptTasks = 20_000;

/**
 * Meilisearch's task queue: every write is enqueued, acknowledged with its task
 * uid at once, and processed later in enqueue order, one task per turn of
 * the event loop, like the real engine's single writer.
 */
export class TaskQueue {
  readonly #tasks = new Map<number, StoredTask>();
  readonly #pending: QueuedTask[] = [];
  readonly #failures: PlannedFailure[] = [];
  #nextUid = 0;
  #scheduled: NodeJS.Immediate | undefined;
  #paused = false;

  enqueue(
    type: string,
    indexUid: string | null,
    details: Record<string, unknown>,
    work: TaskWork,
  ): StoredTask {
    const task: StoredTask = {
      uid: this.#nextUid++,
      indexUid,
      status: "enqueued",
      type,
      details,
      error: null,
      enqueuedAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
    };
    this.#tasks.set(task.uid, task);
    this.#pending.push({ task, work });
    this.#schedule();
    this.#dropOldTasks();
    return task;
  }

  get(uid: number): StoredTask | undefined {
    return this.#tasks.get(uid);
  }

  list(): StoredTask[] {
    return [...this.#tasks.values()];
  }

  /** Makes the next task that matches fail with this code and message. */
  failNext(match: TaskMatch, message: string, code: string): void {
    this.#failures.push({ match, error: new StandInError(message, code) });
  }

  /** Whether every enqueued task has been processed. */
  get idle(): boolean {
    return this.#pending.length === 0;
  }

  /** Holds processing, so tests can see tasks while they are enqueued. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#schedule();
  }

  stop(): void {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
  }

  #schedule(): void {
    if (this.#paused) return;
    this.#scheduled ??= setImmediate(() => {
      this.#scheduled = undefined;
      const next = this.#pending.shift();
      if (next !== undefined) this.#process(next);
      if (this.#pending.length > 0 && !this.#paused) this.#schedule();
    });
  }

  #process({ task, work }: QueuedTask): void {
    task.status = "processing";
    task.startedAt = new Date().toISOString();
    try {
      const planned = this.#takePlannedFailure(task);
      if (planned !== undefined) throw planned;
      Object.assign(task.details, work() ?? {});
      task.status = "succeeded";
    } catch (error) {
      task.status = "failed";
      task.error =
        error instanceof StandInError
          ? error.toApiError()
          : new StandInError(String(error), "internal", 500).toApiError();
    }
    task.finishedAt = new Date().toISOString();
  }

  #takePlannedFailure(task: StoredTask): StandInError | undefined {
    const position = this.#failures.findIndex(
      ({ match }) =>
        (match.type === undefined || match.type === task.type) &&
        (match.indexUid === undefined || match.indexUid === task.indexUid),
    );
    if (position === -1) return undefined;
    return this.#failures.splice(position, 1)[0]?.error;
  }

  #dropOldTasks(): void {
    if (this.#tasks.size <= maxKeptTasks) return;
    for (const [uid, task] of this.#tasks) {
      if (this.#tasks.size <= maxKeptTasks) break;
      if (task.finishedAt !== null) this.#tasks.delete(uid);
    }
  }
}

/** The task summary Meilisearch returns for a write (HTTP 202). */
export function summarize(task: StoredTask) {
  return {
    taskUid: task.uid,
    indexUid: task.indexUid,
    status: task.status,
    type: task.type,
    enqueuedAt: task.enqueuedAt,
  };
}
