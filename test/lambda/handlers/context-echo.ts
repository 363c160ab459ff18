// A test function that returns the fields of its Lambda context. With
// `exitCode` in the event it ends its process instead, as a crash would;
// with `sleepMs` it waits that long first.
import { setTimeout as sleep } from "node:timers/promises";

interface EchoEvent {
  exitCode?: number;
  sleepMs?: number;
}

interface Context {
  awsRequestId: string;
  functionName: string;
  memoryLimitInMB: string;
  getRemainingTimeInMillis(): number;
}

export async function handler(event: EchoEvent, context: Context) {
  if (event.sleepMs !== undefined) await sleep(event.sleepMs);
  if (event.exitCode !== undefined) process.exit(event.exitCode);
  return {
    awsRequestId: context.awsRequestId,
    functionName: context.functionName,
    memoryLimitInMB: context.memoryLimitInMB,
    remainingMs: context.getRemainingTimeInMillis(),
    pid: process.pid,
  };
}
