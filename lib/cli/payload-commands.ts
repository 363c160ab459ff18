import { createHash } from "node:crypto";
import type { Command } from "commander";
import { decodeJob } from "../jobs/decode.ts";
import { addressOf } from "../jobs/naming.ts";
import { type CliContext, requireStream } from "./connection.ts";
import { type ExitCode, exitCodes } from "./exit-codes.ts";
import { parseJobType, readPayload } from "./input.ts";
import type { Output } from "./output.ts";
import type { CliIo, CommandRunner, OfflineRunner } from "./program.ts";

/** Registers `validate` and `publish`. */
export function addPayloadCommands(
  program: Command,
  connected: CommandRunner,
  offline: OfflineRunner,
): void {
  program
    .command("validate")
    .description("check a payload against its job type's schema")
    .argument("<job>", "job type, such as email or index-post")
    .argument("<file>", "JSON payload file, or - for standard input")
    .addHelpText(
      "after",
      "\nExits 0 when the payload is valid, 1 with the reason naming the field when not.",
    )
    .action(offline(runValidate));

  program
    .command("publish")
    .description(
      "validate a payload, publish it to its job type's subject and print the stream sequence",
    )
    .argument("<job>", "job type, such as email or index-post")
    .argument("<file>", "JSON payload file, or - for standard input")
    .option(
      "--msg-id <id>",
      "Nats-Msg-Id for duplicate detection (default: derived from the job type and payload bytes)",
    )
    .option(
      "--no-validate",
      "publish the file's bytes as given, even when they are not JSON or fail the schema",
    )
    .addHelpText(
      "after",
      "\nAn invalid payload is not published and exits 1. With --no-validate " +
        "it is published anyway, byte for byte, with a warning: a bridge " +
        "dead-letters it with kind invalid, as it would a faulty app server's " +
        "job. Publishing the same payload twice within the stream's " +
        "duplicate window stores it once.",
    )
    .action(connected(runPublish));
}

async function runValidate(
  output: Output,
  _options: unknown,
  io: CliIo,
  jobName: string,
  path: string,
): Promise<ExitCode> {
  const jobType = parseJobType(jobName);
  const decoded = decodeJob(jobType, await readPayload(path, io.stdin));

  if (decoded.ok) {
    output.document({ valid: true, jobType });
    output.line(`${output.paint("green", "valid")} ${jobType} payload`);
    return exitCodes.ok;
  }
  output.document({ valid: false, jobType, reason: decoded.reason });
  output.line(
    `${output.paint("red", "invalid")} ${jobType} payload: ${decoded.reason}`,
  );
  return exitCodes.failed;
}

async function runPublish(
  context: CliContext,
  output: Output,
  options: { msgId?: string; validate: boolean },
  jobName: string,
  path: string,
): Promise<ExitCode> {
  const jobType = parseJobType(jobName);
  const payload = await readPayload(path);
  const decoded = decodeJob(jobType, payload);
  if (!decoded.ok && options.validate) {
    output.document({ published: false, jobType, reason: decoded.reason });
    output.problem(
      `invalid ${jobType} payload, not published: ${decoded.reason}`,
    );
    return exitCodes.failed;
  }

  const address = addressOf(jobType, context.config.naming);
  await requireStream(context, address.stream);
  const msgId = options.msgId ?? contentMessageId(jobType, payload);
  // The payload goes out byte for byte as given, the way the app server
  // publishes it; validation only decides whether it goes out.
  const ack = await context.js.publish(address.subject, payload, {
    msgID: msgId,
  });

  if (!decoded.ok) {
    output.problem(
      `warning: publishing an invalid ${jobType} payload (--no-validate): ${decoded.reason}`,
    );
  }
  output.document({
    published: true,
    valid: decoded.ok,
    jobType,
    subject: address.subject,
    stream: ack.stream,
    sequence: ack.seq,
    msgId,
    duplicate: ack.duplicate,
  });
  output.line(
    `published ${jobType} job to ${address.subject}: stream ${ack.stream} sequence ${ack.seq}` +
      (ack.duplicate
        ? " (duplicate: the stream already had this message id)"
        : ""),
  );
  return exitCodes.ok;
}

/** Derives a message id that is the same for the same job type and payload bytes. */
export function contentMessageId(jobType: string, payload: Uint8Array): string {
  const digest = createHash("sha256")
    .update(jobType)
    .update("\0")
    .update(payload);
  return `cli:${jobType}:${digest.digest("hex").slice(0, 32)}`;
}
