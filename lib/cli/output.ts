import { styleText } from "node:util";

type Style = Parameters<typeof styleText>[0];

/** Destination of a command's output, as text for people or JSON for machines. */
export interface Output {
  readonly json: boolean;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** Prints a line for people; nothing in JSON mode. */
  line(text?: string): void;
  /** Prints one JSON document; nothing outside JSON mode. */
  document(value: unknown): void;
  /** Prints a warning or error for people, on standard error. */
  problem(text: string): void;
  /** Colours text for standard output when it is a TTY. */
  paint(style: Style, text: string): string;
}

/**
 * Builds the output of one command. Colour follows Node's own rule through
 * `styleText`: only on a TTY, and never with `NO_COLOR` set.
 */
export function createOutput(
  json: boolean,
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): Output {
  return {
    json,
    stdout,
    stderr,
    line(text = "") {
      if (!json) stdout.write(`${text}\n`);
    },
    document(value) {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    problem(text) {
      stderr.write(`${styleText("red", text, { stream: stderr })}\n`);
    },
    paint(style, text) {
      return styleText(style, text, { stream: stdout });
    },
  };
}

/** Horizontal alignment of a table column. */
export type Alignment = "left" | "right";

/**
 * Lays out rows as columns padded to the widest cell. By default the first
 * column is left-aligned and the others right-aligned. Pass `alignments` to
 * left-align text and right-align numbers.
 */
export function formatTable(
  header: string[],
  rows: string[][],
  alignments: Alignment[] = header.map((_, column) =>
    column === 0 ? "left" : "right",
  ),
): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const render = (cells: string[]) =>
    cells
      .map((cell, column) =>
        alignments[column] === "right"
          ? cell.padStart(widths[column] ?? 0)
          : cell.padEnd(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  return [render(header), ...rows.map(render)];
}

/** Returns the count with its noun, plural unless the count is 1. */
export function countOf(
  count: number,
  singular: string,
  plural = `${singular}s`,
): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
