import type { EnvSource } from "../config/env-reader.ts";
import { importFunctionModule, InProcessInvoker } from "./in-process.ts";
import type { Invoker } from "./invoker.ts";

/** Builds the invoker the configuration names. */
export async function createInvoker(
  kind: "in-process" | "lambda",
  source: EnvSource,
): Promise<Invoker> {
  if (kind === "in-process") {
    return new InProcessInvoker(importFunctionModule(source));
  }
  throw new Error(
    `BRIDGE_INVOKER=${kind} is not available in this build; use in-process`,
  );
}
