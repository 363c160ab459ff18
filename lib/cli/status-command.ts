import type { Command } from "commander";
import { jobTypeNames } from "../jobs/catalogue.ts";
import type { CliContext } from "./connection.ts";
import { type ExitCode, exitCodes } from "./exit-codes.ts";
import { parseJobType } from "./input.ts";
import { formatTable, type Output } from "./output.ts";
import { parseSeconds } from "./parsers.ts";
import type { CommandRunner } from "./program.ts";
import { collectStatus, type StatusReport } from "./status.ts";

export interface StatusOptions {
  job?: string[];
  stuckAfter: number;
}

/** Registers `status`. */
export function addStatusCommand(program: Command, run: CommandRunner): void {
  program
    .command("status")
    .description(
      "show per job type the stored jobs, pending and running deliveries, " +
        "dead letters and the age of the oldest waiting job",
    )
    .option("--job <type...>", "only these job types (default: all)")
    .option(
      "--stuck-after <seconds>",
      "flag a job type whose oldest job has waited longer than this",
      parseSeconds,
      300,
    )
    .addHelpText(
      "after",
      "\nExits 1 when a job type is stuck or its stream or consumer is missing.",
    )
    .action(run(runStatus));
}

async function runStatus(
  context: CliContext,
  output: Output,
  options: StatusOptions,
): Promise<ExitCode> {
  const jobTypes = (options.job ?? jobTypeNames).map(parseJobType);
  const report = await collectStatus(
    context.jsm,
    context.config.naming,
    jobTypes,
    options.stuckAfter,
  );

  output.document(report);
  printStatus(output, report);
  return report.summary.healthy ? exitCodes.ok : exitCodes.failed;
}

function printStatus(output: Output, report: StatusReport): void {
  const header = [
    "job type",
    "stream",
    "pending",
    "ack pending",
    "redelivered",
    "dead letters",
    "oldest waiting",
    "",
  ];
  const rows = report.jobTypes.map((row) => [
    row.jobType,
    String(row.streamMessages),
    String(row.consumerPending),
    String(row.ackPending),
    String(row.redelivered),
    String(row.deadLetters),
    formatAge(row.oldestWaitingSeconds),
    row.missing !== null
      ? `${row.missing} missing`
      : row.stuck
        ? "STUCK"
        : "ok",
  ]);

  const [headerLine, ...lines] = formatTable(header, rows);
  output.line(output.paint("bold", headerLine ?? ""));
  lines.forEach((line, index) => {
    const row = report.jobTypes[index];
    const flagged = row !== undefined && (row.stuck || row.missing !== null);
    output.line(flagged ? output.paint("red", line) : line);
  });

  const { summary } = report;
  const verdict = summary.healthy
    ? output.paint("green", "healthy")
    : output.paint(
        "red",
        [
          summary.stuck.length > 0 ? `stuck: ${summary.stuck.join(", ")}` : "",
          summary.missing.length > 0
            ? `missing: ${summary.missing.join(", ")}`
            : "",
        ]
          .filter((part) => part !== "")
          .join("; "),
      );
  output.line();
  output.line(
    `${report.jobTypes.length} job types, ${summary.streamMessages} jobs stored, ` +
      `${summary.deadLetters} dead letters, stuck after ${report.stuckAfterSeconds} s: ${verdict}`,
  );
}

/** Renders seconds as `45s`, `12m 5s` or `3h 2m`; `-` for none. */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return "-";
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}
