import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../../lib/log.ts";
import { waitForEvent } from "../../support/events.ts";

export type LogLine = Record<string, unknown> & { msg: string; level: string };

/** A logger whose JSON lines are kept and emitted as `line` events. */
export class LogLines extends EventEmitter {
  readonly lines: LogLine[] = [];
  readonly logger: Logger;

  constructor(service = "test") {
    super();
    const destination = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const text of chunk.toString().split("\n")) {
          if (text.trim() === "") continue;
          const line = JSON.parse(text) as LogLine;
          this.lines.push(line);
          this.emit("line", line);
        }
        done();
      },
    });
    this.logger = createLogger(service, { destination, level: "debug" });
  }

  /** Lines whose message is exactly `msg`. */
  withMessage(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }

  /** Resolves with the next (or an earlier) line whose message is `msg`. */
  async waitFor(msg: string, timeoutMs = 20_000): Promise<LogLine> {
    const seen = this.withMessage(msg)[0];
    if (seen !== undefined) return seen;
    return waitForEvent<LogLine>(
      this,
      "line",
      (line) => line.msg === msg,
      timeoutMs,
    );
  }
}
