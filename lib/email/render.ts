import type { FrontendPaths } from "../config/email.ts";
import type { EmailTemplate } from "../jobs/schemas.ts";
import {
  htmlLiquid,
  type LiquidTemplate,
  parseTemplate,
  textLiquid,
} from "./liquid.ts";
import type {
  CompiledTemplates,
  TokenMailVariables,
  TokenTemplateName,
} from "./templates.ts";

/** The two bodies of one mail. */
export interface RenderedBody {
  html: string;
  text: string;
}

export interface RendererSettings {
  projectName: string;
  /** Base URL without a trailing slash. */
  frontendHost: string;
  paths: FrontendPaths;
}

interface ParsedTemplate {
  html: LiquidTemplate;
  text: LiquidTemplate;
}

/**
 * Renders the body of an email job. Token mails go through their compiled
 * templates with Liquid. `Custom` HTML comes from the trusted app server
 * and is sent as given, with a text part derived from it.
 */
export class EmailRenderer {
  readonly #sources: CompiledTemplates;
  readonly #parsed = new Map<TokenTemplateName, ParsedTemplate>();
  readonly #settings: RendererSettings;

  /**
   * Parses each template on its first use, so a cold start pays only for
   * the mail it sends. The build has already rendered every template once.
   */
  constructor(templates: CompiledTemplates, settings: RendererSettings) {
    this.#sources = templates;
    this.#settings = settings;
  }

  /** Throws TemplateRenderError when a template reads an unknown variable. */
  async render(template: EmailTemplate): Promise<RenderedBody> {
    if ("Custom" in template) {
      const html = template.Custom.html_content;
      return { html, text: await htmlToPlainText(html) };
    }

    const { name, variables } = this.#tokenMail(template);
    const parsed = this.#parsedTemplate(name);
    return {
      html: parsed.html.render(variables),
      text: parsed.text.render(variables),
    };
  }

  #tokenMail(template: Exclude<EmailTemplate, { Custom: unknown }>): {
    name: TokenTemplateName;
    variables: TokenMailVariables;
  } {
    const { paths, projectName } = this.#settings;
    if ("Verification" in template) {
      const { username, token, valid_minutes } = template.Verification;
      const link = this.#link(paths.verifyEmail, token);
      return {
        name: "verification",
        variables: { project_name: projectName, username, link, valid_minutes },
      };
    }
    if ("PasswordReset" in template) {
      const { handle, token, valid_minutes } = template.PasswordReset;
      const link = this.#link(paths.resetPassword, token);
      return {
        name: "password-reset",
        variables: {
          project_name: projectName,
          username: handle,
          link,
          valid_minutes,
        },
      };
    }
    const { username, token, valid_minutes } = template.EmailChange;
    const link = this.#link(paths.confirmEmailChange, token);
    return {
      name: "email-change",
      variables: { project_name: projectName, username, link, valid_minutes },
    };
  }

  #parsedTemplate(name: TokenTemplateName): ParsedTemplate {
    let parsed = this.#parsed.get(name);
    if (parsed === undefined) {
      parsed = parseBoth(name, this.#sources[name]);
      this.#parsed.set(name, parsed);
    }
    return parsed;
  }

  /** Encodes the token, so `&`, `#`, `+`, `/` and spaces arrive intact. */
  #link(path: string, token: string): string {
    return `${this.#settings.frontendHost}${path}?token=${encodeURIComponent(token)}`;
  }
}

function parseBoth(
  name: TokenTemplateName,
  template: { html: string; text: string },
): ParsedTemplate {
  return {
    html: parseTemplate(htmlLiquid, `${name}.mjml`, template.html),
    text: parseTemplate(textLiquid, `${name}.txt`, template.text),
  };
}

/**
 * Derives the text part of an HTML mail: links kept, images left out.
 * html-to-text is loaded on first use, so token mails, which never need
 * it, do not pay for its import at cold start.
 */
export async function htmlToPlainText(html: string): Promise<string> {
  const { convert } = await import("html-to-text");
  return convert(html, {
    wordwrap: 78,
    selectors: [
      { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
      { selector: "img", format: "skip" },
    ],
  });
}
