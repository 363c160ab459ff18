import { Liquid, type Template } from "liquidjs";
import { PermanentJobError } from "../errors.ts";

// Two engines: HTML output escapes every `{{ }}` value, because usernames
// are typed by users. Text output is sent as text/plain, where escaping
// would show `&amp;` to the reader. Both treat an unknown variable or filter
// as an error rather than an empty string, so a mail never goes out with a
// blank.

const strictness = {
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  // Templates are compiled in; nothing may be read from disk at run time.
  relativeReference: false,
} as const;

export const htmlLiquid = new Liquid({ ...strictness, outputEscape: "escape" });

export const textLiquid = new Liquid(strictness);

/**
 * A template that failed to parse or render. Permanent, because the same
 * template and job fail the same way on every attempt.
 */
export class TemplateRenderError extends PermanentJobError {
  override name = "TemplateRenderError";
  readonly template: string;

  constructor(template: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`template ${template} failed to render: ${reason}`, { cause });
    this.template = template;
  }
}

/** A parsed template bound to its engine, rendered synchronously. */
export interface LiquidTemplate {
  render(variables: object): string;
}

/** Parses a template once; errors name the template. */
export function parseTemplate(
  engine: Liquid,
  name: string,
  source: string,
): LiquidTemplate {
  let parsed: Template[];
  try {
    parsed = engine.parse(source, name);
  } catch (error) {
    throw new TemplateRenderError(name, error);
  }

  return {
    render(variables) {
      try {
        return engine.renderSync(parsed, variables);
      } catch (error) {
        throw new TemplateRenderError(name, error);
      }
    },
  };
}
