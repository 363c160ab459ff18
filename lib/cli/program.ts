import { JetStreamApiError, JetStreamError } from "@nats-io/jetstream";
import { jserrors } from "@nats-io/jetstream/internal";
import { errors as natsErrors } from "@nats-io/nats-core";
import { Command, CommanderError, Option } from "commander";
import { toError } from "../errors.ts";
import { type CliContext, openContext } from "./connection.ts";
import { addCronCommand } from "./cron-command.ts";
import { hintDefaultServer } from "./dev-stack-hint.ts";
import { addDeadLetterCommands } from "./dlq-commands.ts";
import { CliError, type ExitCode, exitCodes } from "./exit-codes.ts";
import { createOutput, type Output } from "./output.ts";
import { addPayloadCommands } from "./payload-commands.ts";
import { addReindexCommand } from "./reindex-command.ts";
import { addStatusCommand } from "./status-command.ts";

/** The streams and environment a CLI run uses; tests pass their own. */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** The dev stack's env file [`.dev/stack.env` in the checkout]. */
  stackEnvPath?: string;
}

// Commander passes options loosely typed.
type CommandOptions = any;

/** A command body that needs NATS. */
export type ConnectedAction = (
  context: CliContext,
  output: Output,
  options: CommandOptions,
  ...positional: string[]
) => Promise<ExitCode>;

/** A command body that runs without NATS. */
export type OfflineAction = (
  output: Output,
  options: CommandOptions,
  io: CliIo,
  ...positional: string[]
) => Promise<ExitCode>;

/** Turns a command body into a commander action that records the exit code. */
export type CommandRunner = (
  action: ConnectedAction,
) => (...args: unknown[]) => Promise<void>;
export type OfflineRunner = (
  action: OfflineAction,
) => (...args: unknown[]) => Promise<void>;

/** Exit code for an error no command expected: a bug, not an outcome. */
const unexpectedErrorExitCode = 70;

/**
 * Runs the CLI on the given arguments (without `node` and the script) and
 * returns the exit code instead of exiting.
 */
export async function runCli(
  args: readonly string[],
  io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  },
): Promise<number> {
  let exitCode: number = exitCodes.ok;
  const settle = async (
    json: boolean,
    body: (output: Output) => Promise<ExitCode>,
  ) => {
    const output = createOutput(json, io.stdout, io.stderr);
    try {
      exitCode = await body(output);
    } catch (error) {
      exitCode = reportError(output, error);
    }
  };

  const connected: CommandRunner =
    (action) =>
    async (...args) => {
      const { options, positional } = splitActionArgs(args);
      await settle(options.json === true, async (output) => {
        const context = await openContext(io.env);
        try {
          const hint = hintDefaultServer(
            io.env,
            context.config.nats.servers,
            io.stackEnvPath,
          );
          if (hint !== undefined) io.stderr.write(`note: ${hint}\n`);
          return await action(context, output, options, ...positional);
        } finally {
          await context.close();
        }
      });
    };
  const offline: OfflineRunner =
    (action) =>
    async (...args) => {
      const { options, positional } = splitActionArgs(args);
      await settle(options.json === true, (output) =>
        action(output, options, io, ...positional),
      );
    };

  const program = buildProgram(connected, offline, io);
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
  }
  return exitCode;
}

function buildProgram(
  connected: CommandRunner,
  offline: OfflineRunner,
  io: CliIo,
): Command {
  const program = new Command("axumkit-jobs")
    .description(
      "Operate the job system: status, publishing, dead letters, crons and reindexes. " +
        "Reads the same environment variables as the bridge (NATS_URL, JOB_SUBJECT_PREFIX, ...).",
    )
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride()
    .showHelpAfterError()
    .addHelpText("after", exitCodeHelp);

  addStatusCommand(program, connected);
  addPayloadCommands(program, connected, offline);
  addDeadLetterCommands(program, connected);
  addReindexCommand(program, connected);
  addCronCommand(program, offline);

  // Every command takes --json; adding it here keeps the help of each one.
  const addJson = (command: Command) => {
    if (command.commands.length === 0) {
      command.addOption(
        new Option("--json", "print one JSON document instead of text"),
      );
    }
    command.exitOverride();
    command.commands.forEach(addJson);
  };
  program.commands.forEach(addJson);
  return program;
}

const exitCodeHelp = `
Exit codes:
  0   done, nothing wrong found
  1   the check failed: invalid payload, stuck job type, replay incomplete,
      a reindex batch dead-lettered or a row a reindex could not index
  2   bad usage: unknown command, option or job type, unreadable file
  3   invalid configuration, NATS unreachable, or a stream the command
      needs is missing
  4   the named dead letter does not exist
  70  unexpected error (a bug; the message says where)`;

function splitActionArgs(args: unknown[]): {
  options: CommandOptions;
  positional: string[];
} {
  // commander calls an action with the arguments, the options, the command.
  const values = args.slice(0, -1);
  const options = values.pop() ?? {};
  const positional = values.flatMap((value) =>
    Array.isArray(value)
      ? value.map(String)
      : value === undefined
        ? []
        : [String(value)],
  );
  return { options, positional };
}

function reportError(output: Output, error: unknown): ExitCode | 70 {
  const exitCode = exitCodeOf(error);
  const message = toError(error).message;
  if (output.json) {
    output.document({ error: { message, exitCode } });
  } else {
    output.problem(`error: ${message}`);
  }
  return exitCode;
}

function exitCodeOf(error: unknown): ExitCode | 70 {
  if (error instanceof CliError) return error.exitCode;
  if (
    error instanceof JetStreamError ||
    error instanceof JetStreamApiError ||
    error instanceof jserrors.JetStreamNotEnabled ||
    error instanceof natsErrors.TimeoutError ||
    error instanceof natsErrors.ConnectionError ||
    error instanceof natsErrors.ClosedConnectionError ||
    error instanceof natsErrors.NoRespondersError ||
    error instanceof natsErrors.RequestError
  ) {
    return exitCodes.unavailable;
  }
  return unexpectedErrorExitCode;
}
