import { Writable } from "node:stream";
import type { JobRecord } from "../../lib/contract.ts";
import {
  type BatchProcessor,
  createJobHandler,
  forEachRecord,
  type JobHandler,
  type RecordProcessor,
} from "../../lib/functions/job-handler.ts";
import { InProcessInvoker } from "../../lib/invoke/in-process.ts";
import type { JobOf, JobTypeName } from "../../lib/jobs/catalogue.ts";
import { createLogger } from "../../lib/log.ts";

/** A logger that drops its lines, for handlers under test. */
export const silentLogger = createLogger("test", {
  destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
});

/**
 * Builds a real job handler (the same wrapper the functions use) around a
 * test's record processor.
 */
export function testHandler<Name extends JobTypeName>(
  jobType: Name,
  process: RecordProcessor<unknown>,
): JobHandler {
  return createJobHandler({
    jobType,
    logger: silentLogger,
    setup: async () => forEachRecord(process) as BatchProcessor<JobOf<Name>>,
  });
}

/** An in-process invoker whose handlers come from the test. */
export function invokerFor(
  handlers: Partial<Record<JobTypeName, JobHandler>>,
): InProcessInvoker {
  return new InProcessInvoker(async (jobType) => {
    const handler = handlers[jobType];
    if (handler === undefined)
      throw new Error(`test gave no handler for ${jobType}`);
    return handler;
  });
}

/** Records every call a handler saw, by record id. */
export class CallLog {
  readonly records: JobRecord[] = [];

  countFor(id: string): number {
    return this.records.filter((record) => record.id === id).length;
  }
}
