import { ConfigError } from "../errors.ts";
import { configSource } from "./source.ts";

export type EnvSource = Readonly<Record<string, string | undefined>>;

interface IntegerBounds {
  min?: number;
  max?: number;
}

/**
 * Reads typed settings from environment variables and collects every problem
 * before failing, so one start names all missing or invalid variables.
 * Values are trimmed; an empty value counts as unset. SST resources linked
 * to the process (`SST_RESOURCE_*`) overlay the source, see `configSource`.
 */
export class EnvReader {
  readonly #source: EnvSource;
  readonly #problems: string[] = [];

  constructor(source: EnvSource = process.env) {
    this.#source = this.#overlayLinkedResources(source);
  }

  /** A required string. */
  required(name: string): string {
    const value = this.#raw(name);
    if (value === undefined) {
      this.#addProblem(`${name} is missing`);
      return "";
    }
    return value;
  }

  string(name: string, fallback: string): string {
    return this.#raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.#raw(name);
  }

  integer(name: string, fallback: number, bounds: IntegerBounds = {}): number {
    const value = this.#raw(name);
    if (value === undefined) return fallback;

    const number = Number(value);
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } =
      bounds;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      this.#addProblem(
        `${name} must be an integer from ${min} to ${max}, got "${value}"`,
      );
      return fallback;
    }
    return number;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.#raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (["1", "true", "yes", "on"].includes(value)) return true;
    if (["0", "false", "no", "off"].includes(value)) return false;
    this.#addProblem(`${name} must be true or false, got "${value}"`);
    return fallback;
  }

  /** A comma-separated list; blank entries are dropped. */
  list(name: string, fallback: readonly string[]): string[] {
    const value = this.#raw(name);
    if (value === undefined) return [...fallback];
    return value
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
  }

  /** One of a fixed set of words. */
  choice<const Choice extends string>(
    name: string,
    choices: readonly Choice[],
    fallback: Choice,
  ): Choice {
    const value = this.#raw(name);
    if (value === undefined) return fallback;
    if ((choices as readonly string[]).includes(value)) return value as Choice;
    this.#addProblem(
      `${name} must be one of ${choices.join(", ")}, got "${value}"`,
    );
    return fallback;
  }

  /** Records a problem found by a check the reader does not cover. */
  reject(problem: string): void {
    this.#addProblem(problem);
  }

  /** Throws a ConfigError naming every problem seen so far. */
  assertValid(): void {
    if (this.#problems.length > 0) {
      throw new ConfigError(this.#problems);
    }
  }

  /** A malformed `SST_RESOURCE_*` value is a problem, not a crash. */
  #overlayLinkedResources(source: EnvSource): EnvSource {
    try {
      return configSource(source);
    } catch (error) {
      this.#addProblem(error instanceof Error ? error.message : `${error}`);
      return source;
    }
  }

  /** Records each problem once: several settings may read one variable. */
  #addProblem(problem: string): void {
    if (!this.#problems.includes(problem)) this.#problems.push(problem);
  }

  #raw(name: string): string | undefined {
    return envValue(this.#source, name);
  }
}

/**
 * Returns the trimmed value of a variable, or undefined when it is unset,
 * empty or only whitespace (as a blank line copied from .env.example is).
 */
export function envValue(source: EnvSource, name: string): string | undefined {
  const value = source[name]?.trim();
  return value === "" ? undefined : value;
}

/** Returns the variables that are set and not blank, with trimmed values. */
export function withoutBlankValues(source: EnvSource): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of Object.keys(source)) {
    const value = envValue(source, name);
    if (value !== undefined) values[name] = value;
  }
  return values;
}
