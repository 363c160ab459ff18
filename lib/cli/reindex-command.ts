import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import { defaultReindexBatchSize } from "../jobs/schemas.ts";
import type { CliContext } from "./connection.ts";
import { CliError, type ExitCode, exitCodes } from "./exit-codes.ts";
import { countOf, type Output } from "./output.ts";
import { parsePositiveInteger } from "./parsers.ts";
import type { CommandRunner } from "./program.ts";
import {
  type BatchSeen,
  followReindex,
  type ReindexJobType,
  type ReindexOutcome,
  type ReindexStart,
  startReindex,
} from "./reindex.ts";

interface ReindexOptions {
  batchSize: number;
  follow: boolean;
}

/** Registers `reindex`. */
export function addReindexCommand(
  program: Command,
  connected: CommandRunner,
): void {
  program
    .command("reindex")
    .description(
      "start rebuilding the posts or users search index, and follow its batches until the last one ran",
    )
    .argument("<index>", "posts or users")
    .option(
      "--batch-size <rows>",
      "rows per batch",
      parsePositiveInteger,
      defaultReindexBatchSize,
    )
    .option("--no-follow", "publish the first batch and exit")
    .addHelpText(
      "after",
      "\nFollowing needs a bridge consuming the reindex job type. Exits 1 " +
        "when a batch is dead-lettered or when any row could not be indexed " +
        "(for posts, a missing content object); the bridge log names those rows.",
    )
    .action(connected(runReindex));
}

async function runReindex(
  context: CliContext,
  output: Output,
  options: ReindexOptions,
  index: string,
): Promise<ExitCode> {
  const jobType = reindexJobType(index);
  if (options.batchSize > 100_000) {
    throw new CliError(
      exitCodes.usage,
      `--batch-size must be at most 100000, got ${options.batchSize}`,
    );
  }

  const reindexId = randomUUID();
  const status = new StatusLine(output);
  const watch = options.follow
    ? followReindex(reindexId, {
        connection: context.connection,
        js: context.js,
        jsm: context.jsm,
        naming: context.config.naming,
        jobType,
        onBatch: (batch) => status.batch(batch),
      })
    : undefined;

  let start: ReindexStart;
  try {
    start = await startReindex(
      context.js,
      context.config.naming,
      jobType,
      options.batchSize,
      reindexId,
    );
  } catch (error) {
    watch?.stop();
    await watch?.finished.catch(() => undefined);
    throw error;
  }
  output.line(
    `started ${jobType} ${reindexId}: stream ${start.stream} sequence ${start.sequence}`,
  );
  status.begin();
  if (watch === undefined) {
    output.document({ ...start, followed: false });
    return exitCodes.ok;
  }

  const outcome = await watch.finished;
  status.end();
  output.document({ ...start, followed: true, ...outcome });
  printOutcome(output, outcome);
  return outcome.state === "finished" && outcome.failedRows === 0
    ? exitCodes.ok
    : exitCodes.failed;
}

function printOutcome(output: Output, outcome: ReindexOutcome): void {
  if (outcome.state === "finished") {
    const text = `finished after ${countOf(outcome.batches, "batch", "batches")}`;
    output.line(outcome.failedRows === 0 ? output.paint("green", text) : text);
  } else {
    output.problem(
      `batch ${outcome.batches} failed for good: see dlq show ${outcome.deadLetterSequence}`,
    );
  }
  if (outcome.failedRows === 0) return;

  const byBatch = Object.entries(outcome.failedRowsByBatch)
    .map(([batchNumber, rows]) => `batch ${batchNumber}: ${rows}`)
    .join(", ");
  output.problem(
    `${countOf(outcome.failedRows, "row")} could not be indexed and ` +
      `${outcome.failedRows === 1 ? "is" : "are"} missing from the new ` +
      `index (${byBatch}). The bridge log lists each id under "reindex ` +
      'skipped a row that could not be indexed".',
  );
}

function reindexJobType(index: string): ReindexJobType {
  if (index === "posts") return "reindex-posts";
  if (index === "users") return "reindex-users";
  throw new CliError(
    exitCodes.usage,
    `unknown index "${index}"; use posts or users`,
  );
}

/** A rate over fewer batches or less time than this is mostly noise. */
const minimumBatchesForRate = 2;
const minimumSecondsForRate = 1;

/**
 * Shows batches and their rate: one rewritten line on a TTY, a line per
 * batch otherwise, nothing in JSON mode. Nothing is drawn before `begin`,
 * so the start line comes first even when batch 0 is seen before the
 * publish is acknowledged.
 */
class StatusLine {
  readonly #output: Output;
  readonly #startedAt = performance.now();
  #batches = 0;
  #last: BatchSeen | undefined;
  #begun = false;

  constructor(output: Output) {
    this.#output = output;
  }

  /** Starts drawing, with the batches seen so far. */
  begin(): void {
    this.#begun = true;
    if (this.#batches > 0) this.#draw();
  }

  batch(batch: BatchSeen): void {
    this.#batches++;
    this.#last = batch;
    if (this.#begun) this.#draw();
  }

  end(): void {
    if (!this.#output.json && this.#output.stderr.isTTY && this.#batches > 0) {
      this.#output.stderr.write("\n");
    }
  }

  #draw(): void {
    const last = this.#last;
    if (this.#output.json || last === undefined) return;
    const seconds = (performance.now() - this.#startedAt) / 1000;
    let text = `batch ${last.batchNumber} published, ${this.#batches} batches so far`;
    if (last.failedRows > 0) {
      text +=
        `, ${last.failedRows} rows failed` +
        ` (${last.failedInPreviousBatch} in batch ${last.batchNumber - 1})`;
    }
    if (
      this.#batches >= minimumBatchesForRate &&
      seconds >= minimumSecondsForRate
    ) {
      text += `, ${(this.#batches / seconds).toFixed(1)} batches/s`;
    }
    if (this.#output.stderr.isTTY)
      this.#output.stderr.write(`\r\x1b[2K${text}`);
    else this.#output.stderr.write(`${text}\n`);
  }
}
