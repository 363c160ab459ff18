import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import mjml2html from "mjml";
import { htmlLiquid, parseTemplate, textLiquid } from "../lib/email/liquid.ts";
import {
  type CompiledTemplate,
  type CompiledTemplates,
  type TokenMailVariables,
  type TokenTemplateName,
  tokenTemplateNames,
} from "../lib/email/templates.ts";

// Build-time half of the email templates: MJML to HTML, checked against the
// variables the function provides. Only the build and tests import this
// file, so the deployed function never loads mjml.

/** A template that cannot be built; the message names file and line. */
export class TemplateBuildError extends Error {
  override name = "TemplateBuildError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`email templates failed to build:\n  ${problems.join("\n  ")}`);
    this.problems = problems;
  }
}

export interface MjmlOptions {
  /** Pretty-print the HTML [false]. */
  beautify?: boolean;
}

/** Sample values used to render every template once during the build. */
const sampleVariables: TokenMailVariables = {
  project_name: "Sample",
  username: "sample",
  link: "https://example.com/path?token=sample",
  valid_minutes: 30,
};

/**
 * Compiles MJML source to HTML with strict validation. Fails with one line
 * per MJML error, as `<file>:<line>: <message>`.
 */
export async function compileMjml(
  source: string,
  filePath: string,
  options: MjmlOptions = {},
): Promise<string> {
  try {
    const result = await mjml2html(source, {
      filePath,
      validationLevel: "strict",
      beautify: options.beautify ?? false,
      keepComments: false,
      // No web font links: the templates use system fonts only.
      fonts: {},
    });
    return result.html;
  } catch (error) {
    const details = (error as { errors?: MjmlError[] }).errors;
    if (details === undefined) throw error;
    const file = relative(process.cwd(), filePath);
    throw new TemplateBuildError(
      details.map((detail) => `${file}:${detail.line}: ${detail.message}`),
    );
  }
}

interface MjmlError {
  line: number;
  message: string;
}

/**
 * Builds every token mail from `directory`: compiles `<name>.mjml`, reads
 * `<name>.txt`, and renders both once with strict variables so a template
 * that reads an unknown variable fails the build.
 */
export async function compileTemplates(
  directory: string,
  options: MjmlOptions = {},
): Promise<CompiledTemplates> {
  const problems: string[] = [];
  const compiled: Partial<Record<TokenTemplateName, CompiledTemplate>> = {};

  for (const name of tokenTemplateNames) {
    try {
      compiled[name] = await compileOne(directory, name, options);
    } catch (error) {
      if (!(error instanceof TemplateBuildError)) throw error;
      problems.push(...error.problems);
    }
  }

  if (problems.length > 0) throw new TemplateBuildError(problems);
  return compiled as CompiledTemplates;
}

async function compileOne(
  directory: string,
  name: TokenTemplateName,
  options: MjmlOptions,
): Promise<CompiledTemplate> {
  const mjmlPath = join(directory, `${name}.mjml`);
  const textPath = join(directory, `${name}.txt`);
  const html = await compileMjml(await readSource(mjmlPath), mjmlPath, options);
  const text = await readSource(textPath);

  const problems = [
    renderProblem(htmlLiquid, mjmlPath, html),
    renderProblem(textLiquid, textPath, text),
  ].filter((problem) => problem !== undefined);
  if (problems.length > 0) throw new TemplateBuildError(problems);
  return { html, text };
}

function renderProblem(
  engine: typeof htmlLiquid,
  path: string,
  source: string,
): string | undefined {
  const file = relative(process.cwd(), path);
  try {
    parseTemplate(engine, file, source).render(sampleVariables);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

async function readSource(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new TemplateBuildError([
      `${relative(process.cwd(), path)}: file not found`,
    ]);
  }
}

/**
 * The JSON file the function imports the built templates from. JSON, not a
 * TypeScript module, because Node loads it without type stripping.
 */
export function generateTemplateFile(templates: CompiledTemplates): string {
  const ordered = Object.fromEntries(
    tokenTemplateNames.map((name) => [name, templates[name]]),
  );
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
