import type { Command } from "commander";
import type { CliContext } from "./connection.ts";
import {
  type DeadLetterSelection,
  describeDeadLetter,
  getDeadLetter,
  type StoredDeadLetter,
  selectDeadLetters,
} from "./dead-letters.ts";
import {
  checkReplay,
  type ReplayFailure,
  replayDeadLetters,
} from "./dlq-replay.ts";
import { CliError, type ExitCode, exitCodes } from "./exit-codes.ts";
import { parseJobType } from "./input.ts";
import { countOf, formatTable, type Output } from "./output.ts";
import { parsePositiveInteger, parseSequence, parseSince } from "./parsers.ts";
import type { CommandRunner } from "./program.ts";
import { startProgress } from "./progress.ts";
import { orMissing } from "./status.ts";

interface SelectOptions {
  job?: string;
  since?: Date;
}

/** Registers `dlq list`, `dlq show`, `dlq replay` and `dlq purge`. */
export function addDeadLetterCommands(
  program: Command,
  connected: CommandRunner,
): void {
  const dlq = program
    .command("dlq")
    .description("list, show, replay and purge dead letters");

  dlq
    .command("list")
    .description("list dead letters, oldest first")
    .option("--job <type>", "only this job type's dead letters")
    .option(
      "--since <time>",
      "only those stored since an ISO 8601 time or a duration back (15m, 2h, 3d)",
      (value) => parseSince(value),
    )
    .action(connected(runList));

  dlq
    .command("show")
    .description("show one dead letter with its headers and payload")
    .argument("<seq>", "sequence in the dead-letter stream", parseSequence)
    .addHelpText(
      "after",
      "\nExits 4 when there is no dead letter with that sequence.",
    )
    .action(connected(runShow));

  dlq
    .command("replay")
    .description(
      "republish dead letters to their job types' subjects, deleting each once the publish is acknowledged",
    )
    .argument(
      "[seq...]",
      "sequences to replay (default: every dead letter, or --job's)",
    )
    .option("--job <type>", "replay this job type's dead letters")
    .option(
      "--since <time>",
      "only those stored since an ISO 8601 time or a duration back",
      (value) => parseSince(value),
    )
    .option("--dry-run", "list what would be replayed and change nothing")
    .option("--force", "also replay payloads that fail the job type's schema")
    .option(
      "--rate <per-second>",
      "republish at most this many per second",
      parsePositiveInteger,
    )
    .addHelpText(
      "after",
      "\nSafe to run again after an interruption: a dead letter already republished " +
        "is recognised by its message id within the job stream's duplicate window " +
        "(2 minutes by default) and stored once.\nA dead letter is replayed only to the subject of the job type in its " +
        "Axumkit-Job-Type header; one naming another original subject or an unknown job type, " +
        "or with a payload that fails the schema (unless --force), is reported and left.\n" +
        "Exits 1 when a dead letter could not be replayed; it stays in the dead-letter stream.",
    )
    .action(connected(runReplay));

  dlq
    .command("purge")
    .description("delete dead letters for good")
    .argument(
      "[seq...]",
      "sequences to delete (default: every dead letter, or --job's)",
    )
    .option("--job <type>", "delete this job type's dead letters")
    .option("--yes", "confirm the deletion; required")
    .action(connected(runPurge));
}

async function runList(
  context: CliContext,
  output: Output,
  options: SelectOptions,
): Promise<ExitCode> {
  const selection = await select(context, options);
  const deadLetters: StoredDeadLetter[] = [];
  for await (const deadLetter of selection.read()) deadLetters.push(deadLetter);

  output.document({
    count: deadLetters.length,
    deadLetters: deadLetters.map((item) => describeDeadLetter(item, false)),
  });
  const rows = deadLetters.map((item) => [
    String(item.sequence),
    item.jobType,
    item.failureKind ?? "-",
    String(item.deliveryCount ?? "-"),
    item.storedAt,
    truncate(item.lastError, 60),
  ]);
  for (const line of formatTable(
    ["seq", "job type", "kind", "deliveries", "stored at", "last error"],
    rows,
    ["right", "left", "left", "right", "left", "left"],
  )) {
    output.line(line);
  }
  output.line(countOf(deadLetters.length, "dead letter"));
  return exitCodes.ok;
}

async function runShow(
  context: CliContext,
  output: Output,
  _options: unknown,
  sequence: string,
): Promise<ExitCode> {
  const deadLetter = await getDeadLetter(
    context.jsm,
    context.config.naming,
    Number(sequence),
  );
  if (deadLetter === undefined) {
    throw new CliError(
      exitCodes.notFound,
      `no dead letter with sequence ${sequence} in stream ${context.config.naming.deadLetterStream}`,
    );
  }

  const described = describeDeadLetter(deadLetter, true);
  output.document(described);
  for (const [name, value] of Object.entries(described)) {
    const text =
      typeof value === "object"
        ? JSON.stringify(value, null, 2)
        : String(value);
    output.line(`${output.paint("bold", `${name}:`)} ${text}`);
  }
  return exitCodes.ok;
}

async function runReplay(
  context: CliContext,
  output: Output,
  options: SelectOptions & { dryRun?: boolean; force?: boolean; rate?: number },
  ...sequences: string[]
): Promise<ExitCode> {
  const { selection, missing } = await selectForChange(
    context,
    options,
    sequences,
  );

  if (options.dryRun === true) {
    const deadLetters: Record<string, unknown>[] = [];
    const failures: ReplayFailure[] = [];
    for await (const item of selection.read()) {
      const check = checkReplay(item, context.config.naming, options.force);
      if (check.ok) {
        deadLetters.push({
          ...describeDeadLetter(item, false),
          subject: check.subject,
        });
        output.line(
          `would replay ${item.sequence} (${item.jobType}) to ${check.subject}`,
        );
      } else {
        failures.push({ sequence: item.sequence, reason: check.reason });
        output.problem(
          `dead letter ${item.sequence} would not be replayed: ${check.reason}`,
        );
      }
    }
    output.document({
      dryRun: true,
      selected: deadLetters.length + failures.length,
      missing,
      deadLetters,
      failures,
    });
    output.line(
      `${countOf(deadLetters.length, "dead letter")} would be replayed`,
    );
    if (failures.length > 0) return exitCodes.failed;
    return missing.length > 0 ? exitCodes.notFound : exitCodes.ok;
  }

  const progress = startProgress(output, selection.total);
  const result = await replayDeadLetters(selection.read(), {
    js: context.js,
    jsm: context.jsm,
    naming: context.config.naming,
    ratePerSecond: options.rate,
    force: options.force,
    onProgress: (done) => progress.update(done),
  }).finally(() => progress.stop());

  output.document({
    dryRun: false,
    selected: selection.total,
    missing,
    ...result,
  });
  for (const failure of result.failures) {
    output.problem(
      `dead letter ${failure.sequence} not replayed: ${failure.reason}`,
    );
  }
  output.line(
    `replayed ${result.replayed} of ${countOf(selection.total, "dead letter")}` +
      (result.duplicates > 0
        ? ` (${result.duplicates} already stored by an earlier run)`
        : ""),
  );
  if (result.failures.length > 0) return exitCodes.failed;
  return missing.length > 0 ? exitCodes.notFound : exitCodes.ok;
}

async function runPurge(
  context: CliContext,
  output: Output,
  options: { job?: string; yes?: boolean },
  ...sequences: string[]
): Promise<ExitCode> {
  if (options.yes !== true) {
    throw new CliError(
      exitCodes.usage,
      "purge deletes dead letters for good; add --yes to confirm",
    );
  }
  const { naming } = context.config;

  let purged = 0;
  const missing: number[] = [];
  if (sequences.length > 0) {
    if (options.job !== undefined) throw bothSelectors();
    for (const sequence of sequences.map(parseSequence)) {
      // Deleting an absent sequence fails with a generic store error, so
      // absence is read first: a failure to delete one that exists is
      // thrown, not reported as missing.
      const stored = await orMissing(() =>
        context.jsm.streams.getMessage(naming.deadLetterStream, {
          seq: sequence,
        }),
      );
      if (stored === undefined || stored === null) {
        missing.push(sequence);
        continue;
      }
      await context.jsm.streams.deleteMessage(
        naming.deadLetterStream,
        sequence,
      );
      purged++;
    }
  } else {
    const filter =
      options.job === undefined
        ? undefined
        : {
            filter: `${naming.deadLetterSubjectPrefix}.${parseJobType(options.job)}`,
          };
    purged = (await context.jsm.streams.purge(naming.deadLetterStream, filter))
      .purged;
  }

  output.document({ purged, missing });
  output.line(`purged ${countOf(purged, "dead letter")}`);
  for (const sequence of missing)
    output.problem(`no dead letter with sequence ${sequence}`);
  return missing.length > 0 ? exitCodes.notFound : exitCodes.ok;
}

function select(
  context: CliContext,
  options: SelectOptions,
): Promise<DeadLetterSelection> {
  return selectDeadLetters(context.js, context.jsm, context.config.naming, {
    jobType: options.job === undefined ? undefined : parseJobType(options.job),
    since: options.since,
  });
}

/** Selects by sequences when given, else by filter; reports unknown sequences. */
async function selectForChange(
  context: CliContext,
  options: SelectOptions,
  sequences: string[],
): Promise<{ selection: DeadLetterSelection; missing: number[] }> {
  if (sequences.length === 0)
    return { selection: await select(context, options), missing: [] };
  if (options.job !== undefined || options.since !== undefined)
    throw bothSelectors();

  const found: StoredDeadLetter[] = [];
  const missing: number[] = [];
  for (const sequence of sequences.map(parseSequence)) {
    const deadLetter = await getDeadLetter(
      context.jsm,
      context.config.naming,
      sequence,
    );
    if (deadLetter === undefined) missing.push(sequence);
    else found.push(deadLetter);
  }
  return {
    selection: {
      total: found.length,
      read: async function* () {
        yield* found;
      },
    },
    missing,
  };
}

function bothSelectors(): CliError {
  return new CliError(
    exitCodes.usage,
    "give either sequences or --job/--since, not both",
  );
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
