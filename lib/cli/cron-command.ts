import type { Command } from "commander";
import type { EnvSource } from "../config/env-reader.ts";
import {
  type CronName,
  cronCatalogue,
  cronNames,
  isCronName,
} from "../cron/catalogue.ts";
import type { CronHandler, CronResult } from "../cron/cron-handler.ts";
import { ConfigError, toError } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import { adviseDevStack } from "./dev-stack-hint.ts";
import { CliError, type ExitCode, exitCodes } from "./exit-codes.ts";
import type { Output } from "./output.ts";
import type { CliIo, OfflineRunner } from "./program.ts";

/** Exports of every cron module under `functions/`. */
interface CronModule {
  createHandler(source: EnvSource, logger?: Logger): CronHandler;
}

/** Registers `cron run`. */
export function addCronCommand(program: Command, offline: OfflineRunner): void {
  const cron = program.command("cron").description("run crons by hand");

  cron
    .command("run")
    .description(
      "run one cron now, in this process, with the overlap lock of a scheduled run",
    )
    .argument("<name>", `cron name: ${cronNames.join(", ")}`)
    .addHelpText(
      "after",
      "\nThe cron's log lines go to standard error. Exits 0 when the run " +
        "completed or was skipped because another run holds the lock, 1 when " +
        "it failed, 3 when its configuration is invalid.",
    )
    .action(offline(runCron));
}

async function runCron(
  output: Output,
  _options: unknown,
  io: CliIo,
  name: string,
): Promise<ExitCode> {
  if (!isCronName(name)) {
    throw new CliError(
      exitCodes.usage,
      `unknown cron "${name}"; known: ${cronNames.join(", ")}`,
    );
  }

  // Log lines go to standard error so standard output stays one document.
  const logger = createLogger(`cron.${name}`, {
    destination: io.stderr,
    secretsFrom: io.env,
  });
  const handler = await loadHandler(name, io.env, logger);
  let result: CronResult;
  try {
    result = await handler({
      source: "manual",
      scheduledTime: new Date().toISOString(),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      const missing = error.problems.some((problem) =>
        problem.endsWith(" is missing"),
      );
      const message = missing
        ? `${error.message}\n${adviseDevStack()}`
        : error.message;
      throw new CliError(exitCodes.unavailable, message, { cause: error });
    }
    throw new CliError(
      exitCodes.failed,
      `cron ${name} failed: ${toError(error).message}`,
      { cause: error },
    );
  }

  output.document(result);
  const counts = Object.entries(result.counts)
    .map(([key, value]) => `${key} ${value}`)
    .join(", ");
  output.line(
    result.status === "skipped"
      ? `${name} skipped: another run holds its lock`
      : `${name} completed in ${result.durationMs} ms${counts === "" ? "" : `: ${counts}`}`,
  );
  return exitCodes.ok;
}

async function loadHandler(
  name: CronName,
  source: EnvSource,
  logger: Logger,
): Promise<CronHandler> {
  const moduleName = cronCatalogue[name].functionModule;
  const url = new URL(`../../functions/${moduleName}.ts`, import.meta.url);
  const module = (await import(url.href)) as CronModule;
  return module.createHandler(source, logger);
}
