#!/usr/bin/env node
// The operator CLI: `axumkit-jobs --help` lists the commands and exit codes.
import { runCli } from "../lib/cli/program.ts";

process.exitCode = await runCli(process.argv.slice(2));
